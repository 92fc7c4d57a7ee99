// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// Why a policy-cliff computation was rejected or failed.
public enum PolicyCliffError: Error, Equatable, CustomStringConvertible {
  /// An argument violates a documented requirement (the message says which).
  case invalidArgument(String)
  /// An iteration (value iteration, policy iteration) hit its limit.
  case didNotConverge(String)
  /// The soft policy softmax(Q/α) could not be formed (e.g. Q/α overflows); the softmax error nested.
  case softmax(SoftmaxError)

  public var description: String {
    switch self {
    case let .invalidArgument(message): return message
    case let .didNotConverge(message): return message
    case let .softmax(error): return "softmax(Q/α) is not representable: \(error)"
    }
  }
}

package func requireFinite(_ v: [Double], _ name: String) throws(PolicyCliffError) {
  guard !v.isEmpty else { throw .invalidArgument("\(name) is empty") }
  for (i, x) in v.enumerated() where !x.isFinite {
    throw .invalidArgument("\(name)[\(i)] is \(x); it must be finite")
  }
}

package func requireTemperature(_ alpha: Double) throws(PolicyCliffError) {
  guard alpha.isFinite, alpha > 0 else {
    throw .invalidArgument("alpha = \(alpha) is invalid; the entropy temperature must be finite and > 0")
  }
}

package func requireDiscount(_ gamma: Double) throws(PolicyCliffError) {
  guard gamma.isFinite, gamma >= 0, gamma < 1 else {
    throw .invalidArgument("gamma = \(gamma) is invalid; the discount must lie in [0, 1)")
  }
}
