// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import SoftmaxEntropy

/// Why a finite-MDP computation was rejected or failed.
public enum FiniteMDPError: Error, Equatable, CustomStringConvertible {
  /// An argument violates a documented requirement: which argument, and what is wrong.
  case invalidArgument(argument: String, problem: String)
  /// An iteration (value iteration, soft value iteration, policy iteration) hit its limit.
  case didNotConverge(String)
  /// A linear solve of policy evaluation failed.
  case linearAlgebra(LinearAlgebraError)
  /// A softmax policy of the model could not be formed: which argument, what, and the softmax error.
  case softmax(argument: String, problem: String, SoftmaxError)

  public var description: String {
    switch self {
    case let .invalidArgument(argument, problem): return "\(argument): \(problem)"
    case let .didNotConverge(message): return message
    case let .linearAlgebra(error): return "policy evaluation failed: \(error)"
    case let .softmax(argument, problem, error): return "\(argument): \(problem): \(error)"
    }
  }
}

func require(_ condition: Bool, _ argument: String, _ problem: @autoclosure () -> String) throws(FiniteMDPError) {
  if !condition { throw .invalidArgument(argument: argument, problem: problem()) }
}

func requireFinite(_ values: [Double], _ argument: String) throws(FiniteMDPError) {
  for (i, v) in values.enumerated() where !v.isFinite {
    throw .invalidArgument(argument: argument, problem: "element \(i) is \(v); values must be finite")
  }
}

/// Checks that weights are a distribution: finite, ≥ 0, summing to 1 within 1e-12 (compensated sum).
func requireDistribution(_ w: [Double], _ argument: String) throws(FiniteMDPError) {
  try requireFinite(w, argument)
  try require(w.allSatisfy { $0 >= 0 }, argument, "must be non-negative")
  let total = compensatedSum(w)
  try require(abs(total - 1) <= 1e-12, argument, "must sum to 1, got \(total)")
}
