// DeltaH — entropy change of softmax policies.

/// PPO's clipped surrogate as token weights, with verl's dual clip (`compute_policy_loss`):
///
///     loss_t = max(−A_t r_t, −A_t clip(r_t, 1 − ε_l, 1 + ε_h))                   (A_t ≥ 0)
///     loss_t = min(max(−A_t r_t, −A_t clip(r_t, 1 − ε_l, 1 + ε_h)), −A_t c)      (A_t < 0, dual clip c > 1)
///
/// The gradient of a token vanishes exactly when its loss is a clipped constant:
///
///     clipped_t ⇔ (A_t > 0 ∧ r_t > 1 + ε_h) ∨ (A_t < 0 ∧ r_t < 1 − ε_l) ∨ (A_t < 0 ∧ r_t > c)
///
/// (the last only with a dual clip), so w_t = c_t = r_t·1[not clipped] (docs/theory.md#importance-ratio-clipping). DAPO's
/// clip-higher is ε_h > ε_l.
public struct PPOClipWeighting: TokenWeighting {
  /// ε_l.
  public var clipLow: Double
  /// ε_h.
  public var clipHigh: Double
  /// c (> 1), verl's `clip_ratio_c`; nil: no dual clip.
  public var dualClip: Double?

  public init(clipLow: Double = 0.2, clipHigh: Double = 0.2, dualClip: Double? = nil) {
    self.clipLow = clipLow
    self.clipHigh = clipHigh
    self.dualClip = dualClip
  }

  public var name: String { "ppo-clip" }
  public var includesImportanceRatio: Bool { true }

  /// Checks ε_l ∈ [0, 1], ε_h ≥ 0 and c > 1 (all finite).
  ///
  /// - Throws: `InterventionError` naming the first bad parameter, its domain (with its symbol)
  ///   and the value.
  /// - Complexity: O(1).
  public func validate() throws(InterventionError) {
    guard clipLow.isFinite, clipLow >= 0, clipLow <= 1 else {
      throw InterventionError(argument: "clipLow", problem: "ε_l must be in [0, 1], got \(clipLow)")
    }
    guard clipHigh.isFinite, clipHigh >= 0 else {
      throw InterventionError(argument: "clipHigh", problem: "ε_h must be finite and ≥ 0, got \(clipHigh)")
    }
    if let c = dualClip, !(c.isFinite && c > 1) {
      throw InterventionError(argument: "dualClip", problem: "the dual clip c must be finite and > 1 (verl asserts clip_ratio_c > 1), got \(c)")
    }
  }

  /// Whether a token's PPO term is clipped (its gradient is zero); never for A = 0. Does not
  /// validate the parameters.
  ///
  /// - Complexity: O(1).
  public func isClipped(advantage a: Double, ratio r: Double) -> Bool {
    if a > 0 { return r > 1 + clipHigh }
    if a < 0 { return r < 1 - clipLow || (dualClip.map { r > $0 } ?? false) }
    return false
  }

  /// w_t = r_t·1[not clipped] at valid tokens, 1 at invalid ones.
  ///
  /// - Throws: `InterventionError` as ``validate()``.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    try validate()
    let r = tokens.ratios
    return (0..<tokens.count).map { i in
      guard tokens.valid[i] else { return 1 }
      return isClipped(advantage: tokens.advantages[i], ratio: r[i]) ? 0 : r[i]
    }
  }
}
