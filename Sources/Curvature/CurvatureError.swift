// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import LogitDumps
import SoftmaxEntropy

/// Why a curvature computation was rejected or failed.
public enum CurvatureError: Error, Equatable, CustomStringConvertible {
  /// An argument violates a documented requirement (the message says which).
  case invalidArgument(String)
  /// The Lanczos iteration reached its step limit before the requested Ritz values converged.
  case lanczosDidNotConverge(steps: Int, worstRelativeResidual: Double)
  /// A LAPACK routine failed.
  case linearAlgebra(LinearAlgebraError)
  /// The policy could not be formed from its logits (non-finite logits, T ≤ 0).
  case softmax(SoftmaxError)
  /// The logit rows could not be read from a dump (no logits tensor, a position out of range).
  case dump(DumpError)

  public var description: String {
    switch self {
    case let .invalidArgument(message):
      return message
    case let .lanczosDidNotConverge(steps, residual):
      return "Lanczos did not converge in \(steps) steps (worst relative Ritz residual \(residual)); raise maxSteps or use the dense solver"
    case let .linearAlgebra(error):
      return error.description
    case let .softmax(error):
      return error.description
    case let .dump(error):
      return error.description
    }
  }
}
