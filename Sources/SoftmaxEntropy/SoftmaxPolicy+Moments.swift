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

  /// The centred vector v − (E_π v)·1, computed around the most probable action p:
  ///
  ///     vᵢ − E_π v = (vᵢ − v_p) − Σⱼ πⱼ (vⱼ − v_p)
  ///
  /// For a nearly deterministic policy E_π v ≈ v_p, and the textbook form v_p − E_π v loses every
  /// digit to cancellation; the pivoted form keeps them (each term of the sum is small).
  ///
  /// - Precondition: `v.count == actionCount`.
  /// - Complexity: O(K).
  public func centred(_ v: [Double]) -> [Double] {
    precondition(v.count == actionCount, "vector has \(v.count) elements, policy has \(actionCount) actions")
    let pivot = v[mostProbableAction]
    let offset = compensatedSum(zip(probabilities, v).lazy.map { $0 * ($1 - pivot) })
    return v.map { ($0 - pivot) - offset }
  }

  /// The covariance under the policy, in the centred form
  ///
  ///     Cov_π(x, y) = Σᵢ πᵢ (xᵢ − E_π x)(yᵢ − E_π y)
  ///
  /// which equals Σ πᵢ xᵢ yᵢ − (E_π x)(E_π y) without its cancellation (see ``centred(_:)``).
  ///
  /// - Precondition: both vectors have `actionCount` elements.
  /// - Complexity: O(K).
  public func covariance(_ x: [Double], _ y: [Double]) -> Double {
    let cx = centred(x)
    let cy = centred(y)
    return compensatedSum((0..<actionCount).lazy.map { self.probabilities[$0] * cx[$0] * cy[$0] })
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
