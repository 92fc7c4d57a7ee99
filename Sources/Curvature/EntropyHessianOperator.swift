// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The entropy Hessian of a softmax policy in logit space as an O(K) operator:
///
///     ∇²H = −diag(w) + w πᵀ + π wᵀ − π πᵀ,     w = π ⊙ (1 + log π + H)
///     (∇²H) v = −w ⊙ v + w (πᵀv) + π (wᵀv) − π (πᵀv)
///
/// evaluated at v − v_top·1 (the same product, since ∇²H·1 = 0). ∇²H is indefinite; its largest
/// eigenvalues in absolute value may sit at either end of the spectrum.
public struct EntropyHessianOperator: SymmetricLinearOperator, Sendable {
  @usableFromInline let probabilities: [Double]
  @usableFromInline let weights: [Double]
  @usableFromInline let pivot: Int

  /// The entropy-Hessian operator of `policy` (with respect to its logits x = z/T).
  ///
  /// - Complexity: O(K).
  public init(policy: SoftmaxPolicy) {
    probabilities = policy.probabilities
    weights = policy.entropyHessianWeights
    pivot = policy.mostProbableAction
  }

  /// The dimension K.
  ///
  /// - Complexity: O(1).
  public var dimension: Int { probabilities.count }

  /// y = (∇²H) x, two passes over the K entries.
  ///
  /// - Complexity: O(K), no allocation.
  public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    let n = dimension
    precondition(x.count == n && y.count == n, "Hessian product of dimension \(n) on vectors of \(x.count) and \(y.count)")
    probabilities.withUnsafeBufferPointer { p in
      weights.withUnsafeBufferPointer { w in
        let shift = x[pivot]
        var pv = 0.0
        var wv = 0.0
        for i in 0..<n {
          let v = x[i] - shift
          pv += p[i] * v
          wv += w[i] * v
        }
        let c = wv - pv
        for i in 0..<n { y[i] = w[i] * (pv - (x[i] - shift)) + p[i] * c }
      }
    }
  }
}
