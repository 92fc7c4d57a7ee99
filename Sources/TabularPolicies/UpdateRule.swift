// DeltaH — entropy change of softmax policies.

/// How a tabular softmax policy is updated each step: an exact expected update, or a sampled one.
public enum UpdateRule: Sendable {
  /// An exact (expected) update; see ``ExactUpdate``.
  case exact(ExactUpdate)
  /// A sampled update with optional entropy intervention; see ``SampledUpdate``.
  case sampled(SampledUpdate)
}

/// Exact (expected) logit updates of a tabular softmax policy, per state s, with A_s = Q_s − π_sᵀQ_s.
/// The factor c_s is 1 in the per-state form and d(s)/(1−γ) (vanilla) or 1/(1−γ) (natural) in the
/// visitation-weighted form (docs/theory.md#multi-state):
///
///     policyGradient:            Δz_s = η c_s π_s ⊙ A_s
///     naturalPolicyGradient:     Δz_s = η c_s A_s
///     entropyBonus (vanilla):    Δz_s = η c_s (π_s ⊙ A_s + α ∇H_s),        ∇H = −π ⊙ (log π + H)
///     entropyBonus (natural):    Δz_s = η c_s (A_s − α (log π_s + H_s))    (F x = ∇H)
///     temperature (vanilla):     Δz_s = η c_s (π_s ⊙ A_s + α (q_s − π_s))   q = softmax(z/T)
///     temperature (natural):     Δz_s = η c_s (A_s + α q_s / π_s)
///
/// Derivations: docs/theory.md#entropy-bonus and docs/theory.md#temperature-reinforcement.
public enum ExactUpdate: Sendable, Equatable {
  /// Vanilla policy gradient.
  case policyGradient
  /// Natural policy gradient.
  case naturalPolicyGradient
  /// Policy gradient plus gradient ascent on α·H (vanilla or natural).
  case entropyBonus(coefficient: Double, natural: Bool)
  /// Policy gradient plus unit-reward REINFORCE toward π^T (AEPO-style).
  case temperatureReinforcement(TemperatureReinforcement)

  /// Whether the step is a natural-gradient one (its visitation factor is 1/(1−γ), not d(s)/(1−γ)).
  var isNatural: Bool {
    switch self {
    case .policyGradient: false
    case .naturalPolicyGradient: true
    case .entropyBonus(_, let natural): natural
    case .temperatureReinforcement(let t): t.natural
    }
  }
}

/// Unit-reward REINFORCE toward the temperature-adjusted policy q = π^T = softmax(z/T), AEPO-style
/// (597358816/AEPO config defaults; docs/theory.md#temperature-reinforcement):
///
///     T = T_high if H < H_target else T_low          (H = the current state-weighted entropy)
///     E[Δz] = η α (q − π)   (vanilla),   η α q/π   (natural)
///     first order:  vanilla η α (E_π[S] − E_q[S]),   natural η α (E_q[−log π] − H)
///
/// AEPO switches on the entropy logged at the previous update; here the exact current entropy is
/// used. Defaults: α = 1, H_target = 0.5, T_high = 1.2, T_low = 0.8.
public struct TemperatureReinforcement: Sendable, Equatable {
  /// α, the weight of the REINFORCE-on-π^T term.
  public let coefficient: Double
  /// H_target (nats).
  public let targetEntropy: Double
  /// T_high (> 1 raises entropy).
  public let highTemperature: Double
  /// T_low.
  public let lowTemperature: Double
  /// Natural-gradient form (η α q/π) instead of the vanilla one (η α (q − π)).
  public let natural: Bool

  /// - Throws: `TabularPolicyError` unless α ≥ 0 and the temperatures are finite and > 0.
  public init(
    coefficient: Double = 1, targetEntropy: Double = 0.5, highTemperature: Double = 1.2,
    lowTemperature: Double = 0.8, natural: Bool = false
  ) throws(TabularPolicyError) {
    try require(coefficient.isFinite && coefficient >= 0, "coefficient", "α must be finite and ≥ 0, got \(coefficient)")
    try require(targetEntropy.isFinite, "targetEntropy", "must be finite, got \(targetEntropy)")
    for (name, t) in [("highTemperature", highTemperature), ("lowTemperature", lowTemperature)] {
      try require(t.isFinite && t > 0, name, "must be finite and > 0, got \(t)")
    }
    self.coefficient = coefficient
    self.targetEntropy = targetEntropy
    self.highTemperature = highTemperature
    self.lowTemperature = lowTemperature
    self.natural = natural
  }

  /// T_high if H < H_target, else T_low.
  ///
  /// - Complexity: O(1).
  public func temperature(forEntropy h: Double) -> Double { h < targetEntropy ? highTemperature : lowTemperature }
}

extension UpdateRule {
  /// Whether the step follows the natural gradient (NPG and its entropy-bonus and temperature
  /// variants); its per-step covariance is then Cov_π(log π, A), not Cov_π(log π, π⊙A) (Cui et al.
  /// Thm 2 vs Thm 1). Sampled updates are vanilla.
  ///
  /// - Complexity: O(1).
  public var isNaturalGradient: Bool {
    switch self {
    case .exact(let update): update.isNatural
    case .sampled: false
    }
  }
}
