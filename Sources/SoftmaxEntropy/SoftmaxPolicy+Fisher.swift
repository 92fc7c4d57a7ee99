// DeltaH — entropy change of softmax policies.

import DenseMatrix

extension SoftmaxPolicy {
  /// The Fisher information of the categorical softmax in logit space (x = z/T):
  ///
  ///     F = E_{a~π}[(e_a − π)(e_a − π)ᵀ] = diag(π) − π πᵀ
  ///
  /// F is the softmax Jacobian ∂π/∂x and the Hessian of LSE; rank K−1, null space span(1),
  /// eigenvalues in [0, ½]. The diagonal πᵢ(1 − πᵢ) takes 1 − πᵢ without cancellation.
  ///
  /// - Complexity: O(K²) time and memory.
  public func fisherMatrix() -> Matrix {
    let k = actionCount
    let p = probabilities
    var f = Matrix(rows: k, columns: k)
    for i in 0..<k {
      for j in 0..<k where j != i { f[i, j] = -p[i] * p[j] }
      f[i, i] = p[i] * complementProbability(i)
    }
    return f
  }

  /// The Fisher-vector product without forming F:
  ///
  ///     F v = π ⊙ (v − πᵀv)
  ///
  /// - Precondition: `v.count == actionCount`.
  /// - Complexity: O(K).
  public func fisherVectorProduct(_ v: [Double]) -> [Double] {
    zip(probabilities, centred(v)).map { $0 * $1 }
  }
}
