// DeltaH — entropy change of softmax policies.

import _NumericsSupport
import ArgumentParser

/// A comma-separated list of numbers on the command line, such as `2,1,0,-1`.
///
/// Values that start with a minus sign are read as values, not flags (`parsing: .unconditional`
/// on the options that take one), so `--delta -0.5,1` works.
struct VectorArgument: ExpressibleByArgument, Sendable {
  let values: [Double]

  init?(argument: String) {
    var values: [Double] = []
    for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
      guard let v = Double(part.trimmingWhitespace()) else { return nil }
      values.append(v)
    }
    guard !values.isEmpty else { return nil }
    self.values = values
  }
}

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

/// ArgumentParser lists six or more allowed values one per line ("one of the following:\n  - a\n  - b");
/// errors are one line, so the list is joined: "one of the following: a, b".
func oneLine(_ message: String) -> String {
  message.replacing(":\n  - ", with: ": ").replacing("\n  - ", with: ", ")
}
