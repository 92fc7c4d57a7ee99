// DeltaH — entropy change of softmax policies.

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
