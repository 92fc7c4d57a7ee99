// DeltaH — entropy change of softmax policies.

import RealModule

/// Lp-Reg, low-probability token protection (Huang et al., "Low-probability Tokens Sustain
/// Exploration in RLVR", arXiv 2510.03222). The paper regularises toward a proxy distribution
/// (tokens with π ≤ τ removed as noise, the rest renormalised) with a forward KL, applied only to
/// "reasoning sparks": sampled tokens of low probability, not noise, in negative-advantage
/// updates:
///
///     δ = quantile_ρ({π(y_t) : valid})       (numpy linear rule)
///     protected_t ⇔ A_t < 0 ∧ π(y_t) < δ ∧ π(y_t) > τ
///
/// ρ = 1 % and τ = 0.02 are DeltaH's defaults (the paper also describes an adaptive noise threshold
/// relative to the largest probability, which needs the full distribution).
///
/// As token weights (**interpretation**: the KL pull needs the whole proxy distribution; its
/// stated purpose is to shield sparks from elimination, read here as removing their negative
/// update): w_t = 0 on protected tokens, else 1.
public struct LpRegProtection: TokenWeighting {
  /// ρ, the low-probability percentile.
  public var lowProbabilityQuantile: Double
  /// τ, the noise threshold on π(y_t).
  public var noiseThreshold: Double

  public init(lowProbabilityQuantile: Double = 0.01, noiseThreshold: Double = 0.02) {
    self.lowProbabilityQuantile = lowProbabilityQuantile
    self.noiseThreshold = noiseThreshold
  }

  public var name: String { "lp-reg" }
  public var isInterpretation: Bool { true }

  /// δ and the protected tokens (strict inequalities: π(y_t) = δ or = τ is not protected; A_t = 0 never is).
  ///
  /// - Throws: `InterventionError` for ρ outside (0, 1] or τ outside [0, 1).
  /// - Complexity: O(N log N).
  public func protected(for tokens: TokenBatch) throws(InterventionError) -> (threshold: Double, tokens: [Bool]) {
    try checkFraction(lowProbabilityQuantile, name: "lowProbabilityQuantile")
    guard noiseThreshold.isFinite, noiseThreshold >= 0, noiseThreshold < 1 else {
      throw InterventionError(argument: "noiseThreshold", problem: "must be in [0, 1), got \(noiseThreshold)")
    }
    let p = tokens.logProbabilities.map { Double.exp($0) }
    let delta = linearQuantile(sorted: tokens.validIndices.map { p[$0] }.sorted(), lowProbabilityQuantile)
    let mask = (0..<tokens.count).map { i in
      tokens.valid[i] && tokens.advantages[i] < 0 && p[i] < delta && p[i] > noiseThreshold
    }
    return (delta, mask)
  }

  /// w_t = 0 on protected tokens, else 1.
  ///
  /// - Throws: `InterventionError` as ``protected(for:)``.
  /// - Complexity: O(N log N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    try protected(for: tokens).tokens.map { $0 ? 0 : 1 }
  }
}
