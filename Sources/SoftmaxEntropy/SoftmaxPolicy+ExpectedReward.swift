// DeltaH — entropy change of softmax policies.

import DenseMatrix

extension SoftmaxPolicy {
  /// The expected reward J = πᵀr = Σᵢ πᵢ rᵢ.
  ///
  /// - Throws: `SoftmaxError` when r has the wrong length or a non-finite element.
  /// - Complexity: O(K).
  public func expectedReward(_ rewards: [Double]) throws(SoftmaxError) -> Double {
    try checkRewards(rewards)
    return expectation(rewards)
  }

  /// The advantages A = r − (πᵀr)·1, so that E_π[A] = 0 (computed around the most probable
  /// action, see ``centred(_:)``).
  ///
  /// - Throws: `SoftmaxError` when r has the wrong length or a non-finite element, or
  ///   `.invalidArgument` when the rewards span more than Double's range (r − r_top overflows).
  /// - Complexity: O(K).
  public func advantages(_ rewards: [Double]) throws(SoftmaxError) -> [Double] {
    try checkRewards(rewards)
    let a = centred(rewards)
    if a.contains(where: { !$0.isFinite }) {
      let low = rewards.indices.min { rewards[$0] < rewards[$1] }!, high = rewards.indices.max { rewards[$0] < rewards[$1] }!
      throw .invalidArgument("rewards \(rewards[high]) and \(rewards[low]) (indices \(high), \(low)) differ by more than Double's range (1.8e308): the advantages r − πᵀr overflow; shift or rescale the rewards")
    }
    return a
  }

  /// The gradient of J with respect to x = z/T:
  ///
  ///     ∇J = π ⊙ (r − πᵀr) = F r
  ///
  /// - Throws: `SoftmaxError` when r has the wrong length or a non-finite element, or
  ///   `.invalidArgument` when the rewards span more than Double's range (the advantages overflow).
  /// - Complexity: O(K).
  public func expectedRewardGradient(_ rewards: [Double]) throws(SoftmaxError) -> [Double] {
    try zip(probabilities, advantages(rewards)).map { $0 * $1 }
  }

  /// The Hessian of J with respect to x, with q = π ⊙ (r − πᵀr):
  ///
  ///     ∇²J = diag(q) − q πᵀ − π qᵀ,    ∇²J · 1 = 0
  ///
  /// (diagonal evaluated as qᵢ((1 − πᵢ) − πᵢ)).
  ///
  /// - Throws: `SoftmaxError` when r has the wrong length or a non-finite element, or
  ///   `.invalidArgument` when the rewards span more than Double's range (the advantages overflow).
  /// - Complexity: O(K²) time and memory.
  public func expectedRewardHessian(_ rewards: [Double]) throws(SoftmaxError) -> Matrix {
    let q = try expectedRewardGradient(rewards)
    let p = probabilities
    let k = actionCount
    var h = Matrix(rows: k, columns: k)
    for i in 0..<k {
      for j in 0..<k where j != i { h[i, j] = -q[i] * p[j] - p[i] * q[j] }
      h[i, i] = q[i] * (complementProbability(i) - p[i])
    }
    return h
  }

  /// The Hessian-vector product of J without forming the matrix:
  ///
  ///     (∇²J) v = q ⊙ v − q (πᵀv) − π (qᵀv)
  ///
  /// evaluated at v − v_top·1 (the same product, since ∇²J·1 = 0) to avoid cancellation.
  ///
  /// - Throws: `SoftmaxError` when r or v has the wrong length or a non-finite element, or
  ///   `.invalidArgument` when the rewards span more than Double's range (the advantages overflow).
  /// - Complexity: O(K).
  public func expectedRewardHessianVectorProduct(
    _ rewards: [Double], _ v0: [Double]
  ) throws(SoftmaxError) -> [Double] {
    try checkLength(v0, actionCount, name: "vector")
    try checkFinite(v0, name: "vector")
    let v = pivotShifted(v0)
    let q = try expectedRewardGradient(rewards)
    let pv = compensatedDot(probabilities, v)
    let qv = compensatedDot(q, v)
    return (0..<actionCount).map { i in q[i] * v[i] - q[i] * pv - probabilities[i] * qv }
  }

  private func checkRewards(_ rewards: [Double]) throws(SoftmaxError) {
    try checkLength(rewards, actionCount, name: "rewards")
    try checkFinite(rewards, name: "rewards")
  }
}
