// DeltaH — entropy change of softmax policies.

/// HAPO's token-adaptive temperature and adaptive asymmetric clipping (Liu et al., "From Uniform
/// to Heterogeneous", arXiv 2509.16591; **interpretation** — the rules below implement the
/// abstract's wording: "higher sampling temperature at high-entropy tokens", "aggressive
/// probability reduction for noisy low-entropy tokens while enabling exploration for
/// high-entropy tokens"; the linear maps are DeltaH's).
///
/// With ĥ_t the min–max normalised entropy of the batch (``TokenBatch/normalisedEntropies``):
///
///     T_t     = T_min + ĥ_t (T_max − T_min)                    (sampling temperature)
///     ε_h,t   = ε_h^min + ĥ_t (ε_h^max − ε_h^min)                (more room up at high entropy)
///     ε_l,t   = ε_l^min + (1 − ĥ_t)(ε_l^max − ε_l^min)            (more room down at low entropy)
///     w_t     = r_t · 1[not (A_t > 0 ∧ r_t > 1 + ε_h,t) ∧ not (A_t < 0 ∧ r_t < 1 − ε_l,t)]
///
/// The weights are the clip part alone: T_t is reported by ``temperatures(for:)`` but neither a
/// dump (already sampled) nor the tabular trainer samples with it. Defaults: T ∈ [0.8, 1.2],
/// ε_h ∈ [0.2, 0.28], ε_l ∈ [0.2, 0.28].
public struct HAPOAdaptiveClipping: TokenWeighting {
  /// (T_min, T_max).
  public var temperatureRange: (min: Double, max: Double)
  /// (ε_h^min, ε_h^max).
  public var clipHighRange: (min: Double, max: Double)
  /// (ε_l^min, ε_l^max).
  public var clipLowRange: (min: Double, max: Double)

  public init(
    temperatureRange: (min: Double, max: Double) = (0.8, 1.2),
    clipHighRange: (min: Double, max: Double) = (0.2, 0.28),
    clipLowRange: (min: Double, max: Double) = (0.2, 0.28)
  ) {
    self.temperatureRange = temperatureRange
    self.clipHighRange = clipHighRange
    self.clipLowRange = clipLowRange
  }

  public var name: String { "hapo" }
  public var includesImportanceRatio: Bool { true }
  public var isInterpretation: Bool { true }

  func validate() throws(InterventionError) {
    for (name, r) in [("temperatureRange", temperatureRange), ("clipHighRange", clipHighRange), ("clipLowRange", clipLowRange)]
    where !(r.min.isFinite && r.max.isFinite && r.min >= 0 && r.min <= r.max) {
      throw InterventionError(argument: name, problem: "need finite 0 ≤ min ≤ max, got (\(r.min), \(r.max))")
    }
    guard temperatureRange.min > 0 else {
      throw InterventionError(argument: "temperatureRange", problem: "temperatures must be > 0, got \(temperatureRange.min)")
    }
    guard clipLowRange.max <= 1 else {
      throw InterventionError(argument: "clipLowRange", problem: "ε_l must be ≤ 1, got \(clipLowRange.max)")
    }
  }

  /// T_t = T_min + ĥ_t (T_max − T_min) per token (1 at invalid tokens).
  ///
  /// - Throws: `InterventionError` unless each range is finite with 0 ≤ min ≤ max, T_min > 0 and
  ///   ε_l^max ≤ 1.
  /// - Complexity: O(N).
  public func temperatures(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    try validate()
    let h = tokens.normalisedEntropies
    return (0..<tokens.count).map { tokens.valid[$0] ? temperatureRange.min + h[$0] * (temperatureRange.max - temperatureRange.min) : 1 }
  }

  /// (ε_l,t, ε_h,t) per token, as in the type's formula (invalid tokens have ĥ = 0, so
  /// (ε_l^max, ε_h^min); their weight ignores it).
  ///
  /// - Throws: `InterventionError` as ``temperatures(for:)``.
  /// - Complexity: O(N).
  public func clipBounds(for tokens: TokenBatch) throws(InterventionError) -> [(low: Double, high: Double)] {
    try validate()
    return tokens.normalisedEntropies.map { h in
      (clipLowRange.min + (1 - h) * (clipLowRange.max - clipLowRange.min),
       clipHighRange.min + h * (clipHighRange.max - clipHighRange.min))
    }
  }

  /// w_t = r_t·1[not (A_t > 0 ∧ r_t > 1 + ε_h,t) ∧ not (A_t < 0 ∧ r_t < 1 − ε_l,t)] at valid
  /// tokens, 1 at invalid ones.
  ///
  /// - Throws: `InterventionError` as ``temperatures(for:)``.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    let eps = try clipBounds(for: tokens)
    let r = tokens.ratios
    return (0..<tokens.count).map { i in
      guard tokens.valid[i] else { return 1 }
      let a = tokens.advantages[i]
      return (a > 0 && r[i] > 1 + eps[i].high) || (a < 0 && r[i] < 1 - eps[i].low) ? 0 : r[i]
    }
  }
}
