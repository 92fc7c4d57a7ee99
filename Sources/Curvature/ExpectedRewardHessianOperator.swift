// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The Hessian of the expected reward J = πᵀr in logit space as an O(K) operator, with
/// q = π ⊙ (r − πᵀr) = ∇J:
///
///     ∇²J = diag(q) − q πᵀ − π qᵀ,      (∇²J) v = q ⊙ v − q (πᵀv) − π (qᵀv)
///
/// evaluated at v − v_top·1 (the same product, since ∇²J·1 = 0).
public struct ExpectedRewardHessianOperator: SymmetricLinearOperator, Sendable {
  @usableFromInline let probabilities: [Double]
  @usableFromInline let gradient: [Double]
  @usableFromInline let pivot: Int

  /// The reward-Hessian operator of `policy` for the reward vector `rewards`.
  ///
  /// - Throws: `SoftmaxError` when the rewards have the wrong length or a non-finite element.
  /// - Complexity: O(K).
  public init(policy: SoftmaxPolicy, rewards: [Double]) throws(SoftmaxError) {
    gradient = try policy.expectedRewardGradient(rewards)
    probabilities = policy.probabilities
    pivot = policy.mostProbableAction
  }

  /// The dimension K.
  ///
  /// - Complexity: O(1).
  public var dimension: Int { probabilities.count }

  /// y = (∇²J) x.
  ///
  /// - Complexity: O(K), no allocation.
  public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    let n = dimension
    precondition(x.count == n && y.count == n, "Hessian product of dimension \(n) on vectors of \(x.count) and \(y.count)")
    probabilities.withUnsafeBufferPointer { p in
      gradient.withUnsafeBufferPointer { q in
        let shift = x[pivot]
        var pv = 0.0
        var qv = 0.0
        for i in 0..<n {
          let v = x[i] - shift
          pv += p[i] * v
          qv += q[i] * v
        }
        for i in 0..<n { y[i] = q[i] * ((x[i] - shift) - pv) - p[i] * qv }
      }
    }
  }
}
