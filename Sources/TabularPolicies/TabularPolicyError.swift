// DeltaH — entropy change of softmax policies.

/// A rejected argument or a failed computation of the tabular-policy simulator: which argument,
/// and what is wrong.
public struct TabularPolicyError: Error, Equatable, CustomStringConvertible {
  /// The offending argument (for example `rewards` or `discount`).
  public let argument: String
  /// What is wrong, in words.
  public let problem: String

  public init(argument: String, problem: String) {
    self.argument = argument
    self.problem = problem
  }

  public var description: String { "\(argument): \(problem)" }
}

func require(_ condition: Bool, _ argument: String, _ problem: @autoclosure () -> String) throws(TabularPolicyError) {
  if !condition { throw TabularPolicyError(argument: argument, problem: problem()) }
}

func requireFinite(_ values: [Double], _ argument: String) throws(TabularPolicyError) {
  for (i, v) in values.enumerated() where !v.isFinite {
    throw TabularPolicyError(argument: argument, problem: "element \(i) is \(v); values must be finite")
  }
}

/// Checks that weights are a distribution: finite, ≥ 0, summing to 1 within 1e-12.
func requireDistribution(_ w: [Double], _ argument: String) throws(TabularPolicyError) {
  try requireFinite(w, argument)
  try require(w.allSatisfy { $0 >= 0 }, argument, "must be non-negative")
  let total = w.reduce(0, +)
  try require(abs(total - 1) <= 1e-12, argument, "must sum to 1, got \(total)")
}
