// DeltaH — entropy change of softmax policies.

extension SoftmaxPolicy {
  /// The expectation E_π[v] = Σᵢ πᵢ vᵢ.
  ///
  /// - Precondition: `v.count == actionCount`.
  /// - Complexity: O(K).
  public func expectation(_ v: [Double]) -> Double {
    precondition(v.count == actionCount, "vector has \(v.count) elements, policy has \(actionCount) actions")
    return compensatedDot(probabilities, v)
  }

  /// The covariance under the policy, in the centred form
  ///
  ///     Cov_π(x, y) = Σᵢ πᵢ (xᵢ − E_π x)(yᵢ − E_π y)
  ///
  /// which equals Σ πᵢ xᵢ yᵢ − (E_π x)(E_π y) without its cancellation.
  ///
  /// - Precondition: both vectors have `actionCount` elements.
  /// - Complexity: O(K).
  public func covariance(_ x: [Double], _ y: [Double]) -> Double {
    let mx = expectation(x)
    let my = expectation(y)
    precondition(y.count == actionCount, "vector has \(y.count) elements, policy has \(actionCount) actions")
    return compensatedSum((0..<actionCount).lazy.map { self.probabilities[$0] * (x[$0] - mx) * (y[$0] - my) })
  }

  /// The variance Var_π(v) = Cov_π(v, v) = vᵀ F v.
  ///
  /// - Complexity: O(K).
  public func variance(_ v: [Double]) -> Double { covariance(v, v) }

  /// Σᵢ πᵢ², the collision probability (verl's `sum_pi_squared`).
  ///
  /// - Complexity: O(K).
  public var sumOfSquaredProbabilities: Double { compensatedDot(probabilities, probabilities) }
}
