// DeltaH — entropy change of softmax policies.

/// CISPO's clipped importance-sampling weights (MiniMax-M1, arXiv 2506.13585):
///
///     J = E[ Σ_t sg(r̂_t) A_t log π_θ(y_t) ],   r̂_t = clip(r_t, 1 − ε_l^IS, 1 + ε_h^IS)
///
/// The weight is clipped and detached, never the token: every token keeps a gradient, so
/// w_t = r̂_t (unlike PPO, whose clipped tokens get w = 0). The paper sets no lower bound in
/// practice (a large ε_l^IS) and tunes ε_h^IS; DeltaH's defaults are ε_l^IS = 1 (lower bound 0)
/// and ε_h^IS = 0.28, stated wherever they are used.
public struct CISPOWeighting: TokenWeighting {
  /// ε_l^IS.
  public var clipLow: Double
  /// ε_h^IS.
  public var clipHigh: Double

  public init(clipLow: Double = 1, clipHigh: Double = 0.28) {
    self.clipLow = clipLow
    self.clipHigh = clipHigh
  }

  public var name: String { "cispo" }
  public var includesImportanceRatio: Bool { true }

  /// w_t = clip(r_t, max(0, 1 − ε_l^IS), 1 + ε_h^IS) at valid tokens, 1 at invalid ones.
  ///
  /// - Throws: `InterventionError` when ε_l^IS or ε_h^IS is negative or not finite.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    try checkNonNegative(clipLow, name: "clipLow")
    try checkNonNegative(clipHigh, name: "clipHigh")
    let lo = max(0, 1 - clipLow), hi = 1 + clipHigh
    return tokens.ratios.enumerated().map { i, r in tokens.valid[i] ? min(max(r, lo), hi) : 1 }
  }
}
