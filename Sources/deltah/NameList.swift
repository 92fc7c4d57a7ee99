// DeltaH — entropy change of softmax policies.

import _NumericsSupport
import ArgumentParser

/// A comma-separated list of names on the command line, such as `none,clip-cov`, each parsed as
/// `Element` (an unknown name makes the whole argument invalid, with the allowed names listed).
struct NameList<Element: CaseIterable & RawRepresentable<String> & Sendable>: ExpressibleByArgument, Sendable {
  let values: [Element]

  init(_ values: [Element]) { self.values = values }

  init?(argument: String) {
    var values: [Element] = []
    for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
      guard let v = Element(rawValue: String(part.trimmingWhitespace())) else { return nil }
      values.append(v)
    }
    self.values = values
  }

  var defaultValueDescription: String { values.map(\.rawValue).joined(separator: ",") }
  static var allValueStrings: [String] { Element.allCases.map(\.rawValue) }
}
