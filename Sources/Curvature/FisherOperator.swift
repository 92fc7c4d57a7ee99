// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The Fisher information of a softmax policy in logit space as an O(K) operator:
///
///     F = diag(π) − π πᵀ,      F v = π ⊙ (v − πᵀv)
///
/// evaluated at v − v_top·1 (the same product, since F·1 = 0), so that a nearly deterministic
/// policy does not lose the small entries to the cancellation v_top − πᵀv. Eigenvalues lie in
/// [0, ½]; the null space is span(1).
public struct FisherOperator: SymmetricLinearOperator, Sendable {
  @usableFromInline let probabilities: [Double]
  @usableFromInline let pivot: Int

  /// The Fisher operator of `policy` (with respect to its logits x = z/T).
  ///
  /// - Complexity: O(K) to copy π.
  public init(policy: SoftmaxPolicy) {
    probabilities = policy.probabilities
    pivot = policy.mostProbableAction
  }

  /// The dimension K.
  ///
  /// - Complexity: O(1).
  public var dimension: Int { probabilities.count }

  /// y = F x = π ⊙ ((x − x_top) − Σⱼ πⱼ (xⱼ − x_top)).
  ///
  /// - Complexity: O(K), no allocation.
  public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    let n = dimension
    precondition(x.count == n && y.count == n, "Fisher product of dimension \(n) on vectors of \(x.count) and \(y.count)")
    probabilities.withUnsafeBufferPointer { p in
      let shift = x[pivot]
      var mean = 0.0
      for i in 0..<n { mean += p[i] * (x[i] - shift) }
      for i in 0..<n { y[i] = p[i] * ((x[i] - shift) - mean) }
    }
  }
}
