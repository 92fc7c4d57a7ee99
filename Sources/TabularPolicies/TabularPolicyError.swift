// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import EntropyInterventions
import SoftmaxEntropy

/// A rejected argument or a failed computation of the tabular-policy simulator: which argument,
/// and what is wrong; when a lower library's error is the reason, that error is kept in ``cause``.
public struct TabularPolicyError: Error, Equatable, CustomStringConvertible {
  /// The offending argument (for example `rewards` or `discount`).
  public let argument: String
  /// What is wrong, in words.
  public let problem: String
  /// The lower library's error this one reports, nil when the simulator found the problem itself.
  public let cause: Cause?

  /// The error of a lower library underneath a ``TabularPolicyError``.
  public enum Cause: Error, Equatable, CustomStringConvertible {
    /// An entropy intervention failed (selection, weights, parameters).
    case intervention(InterventionError)
    /// A softmax policy could not be built or updated.
    case softmax(SoftmaxError)
    /// A linear solve (policy evaluation) failed.
    case linearAlgebra(LinearAlgebraError)

    public var description: String {
      switch self {
      case .intervention(let e): e.description
      case .softmax(let e): e.description
      case .linearAlgebra(let e): e.description
      }
    }
  }

  public init(argument: String, problem: String) {
    self.argument = argument
    self.problem = problem
    self.cause = nil
  }

  /// An error about `argument` whose problem is `cause` (its description, after `problemPrefix`).
  public init(argument: String, cause: Cause, problemPrefix: String = "") {
    self.argument = argument
    self.problem = problemPrefix + cause.description
    self.cause = cause
  }

  /// An intervention's own parameter error, reported under its argument and problem.
  public init(nesting error: InterventionError) {
    self.argument = error.argument
    self.problem = error.problem
    self.cause = .intervention(error)
  }

  public var description: String { "\(argument): \(problem)" }

  /// The ``argument`` of the error thrown when a step overflows `Double` (the learning rate η or a
  /// coefficient is too large for the problem): a caller can tell which of its settings to name.
  public static let stepSizeArgument = "learning rate / coefficients"
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
