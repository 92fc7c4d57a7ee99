// DeltaH — entropy change of softmax policies.

/// A bad argument found while running (after parsing): printed as one line, exit code 64.
struct ArgumentError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
