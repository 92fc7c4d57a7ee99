// DeltaH — entropy change of softmax policies.

import EntropyInterventions

/// A sampled update: G actions per state from π_old, advantages, then `epochs` full-batch
/// gradient steps on the PPO-clip surrogate (one epoch = plain REINFORCE/GRPO, ratio 1).
///
/// Per state s (factor c_s as in ``ExactUpdate``, vanilla form), for epoch e with current π_θ:
///
///     ρ_n = π_θ(a_n) / π_old(a_n),    I_n = 0 if −A_n clip(ρ_n, 1−ε_low, 1+ε_high) > −A_n ρ_n, else 1
///     Δz_s = (η c_s / G) Σ_n w_n I_n ρ_n A_n (e_{a_n} − π_θ)  +  η c_s α_H ∇H(π_θ)
///            (+ η c_s α_T / G Σ_b (e_b − π_θ), b ~ π^T, when temperature reinforcement is on)
///
/// w_n is the intervention weight (1 without one). With Q(s, a) as the sample's reward (the
/// reward itself for a bandit, the exact action value for an MDP) the advantages are:
///
///     reinforce:  A_n = Q(s, a_n) − V(s)                              (exact value baseline)
///     grpo:       A_n = (Q(s, a_n) − mean_g) / (std_g + ε)            (std unbiased, G − 1; ε = 1e-6)
///
/// GRPO's ε = 1e-6 is verl's default; it keeps groups whose samples all earned the same reward at
/// A = 0. With one epoch and no intervention REINFORCE is unbiased for the exact per-state PG step.
public struct SampledUpdate: Sendable {
  /// The advantage estimator.
  public enum Estimator: Sendable, Equatable {
    /// A = Q(s, a) − V(s).
    case reinforce
    /// Group-normalised advantages with std epsilon.
    case grpo(epsilon: Double = 1e-6)
  }

  /// The estimator.
  public var estimator: Estimator
  /// G, samples per state.
  public var samplesPerState: Int
  /// Gradient steps on the same samples (PPO epochs).
  public var epochs: Int
  /// ε_low (ratio floor 1 − ε_low for negative advantages).
  public var clipLow: Double
  /// ε_high (ratio ceiling 1 + ε_high for positive advantages).
  public var clipHigh: Double
  /// Dual-clip constant c (negative advantages: the loss is capped at −A·c, zero gradient there);
  /// nil = no dual clip, except STEER, which uses 3.0 (its code default) when this is nil.
  public var dualClip: Double?
  /// α_H, an entropy bonus with the exact full-distribution entropy gradient at each state.
  public var entropyCoefficient: Double
  /// REINFORCE toward π^T on G extra samples per state (AEPO-style), when set.
  public var temperatureReinforcement: TemperatureReinforcement?
  /// The entropy intervention.
  public var intervention: EntropyIntervention

  /// Defaults: GRPO, G = 8, one epoch, ε_low = ε_high = 0.2, no bonus, no intervention.
  public init(
    estimator: Estimator = .grpo(), samplesPerState: Int = 8, epochs: Int = 1, clipLow: Double = 0.2,
    clipHigh: Double = 0.2, dualClip: Double? = nil, entropyCoefficient: Double = 0,
    temperatureReinforcement: TemperatureReinforcement? = nil, intervention: EntropyIntervention = .none
  ) {
    self.estimator = estimator
    self.samplesPerState = samplesPerState
    self.epochs = epochs
    self.clipLow = clipLow
    self.clipHigh = clipHigh
    self.dualClip = dualClip
    self.entropyCoefficient = entropyCoefficient
    self.temperatureReinforcement = temperatureReinforcement
    self.intervention = intervention
  }

  func validate() throws(TabularPolicyError) {
    try require(samplesPerState >= 1, "samplesPerState", "G must be ≥ 1, got \(samplesPerState)")
    if case .grpo(let eps) = estimator {
      try require(samplesPerState >= 2, "samplesPerState", "GRPO needs G ≥ 2 to normalise by the group std, got \(samplesPerState)")
      try require(eps.isFinite && eps >= 0, "epsilon", "GRPO std epsilon must be finite and ≥ 0, got \(eps)")
    }
    try require(epochs >= 1, "epochs", "must be ≥ 1, got \(epochs)")
    try require(clipLow.isFinite && clipLow >= 0 && clipLow <= 1, "clipLow", "ε_low must be in [0, 1], got \(clipLow)")
    try require(clipHigh.isFinite && clipHigh >= 0, "clipHigh", "ε_high must be finite and ≥ 0, got \(clipHigh)")
    if let c = dualClip { try require(c.isFinite && c > 1, "dualClip", "c must be finite and > 1, got \(c)") }
    try require(entropyCoefficient.isFinite && entropyCoefficient >= 0, "entropyCoefficient", "α_H must be finite and ≥ 0, got \(entropyCoefficient)")
    try intervention.validate()
  }
}

/// Entropy interventions for sampled updates (docs/theory.md#sampled-updates), applied over the batch of all
/// S·G sampled tokens; token selection uses the pure functions of `EntropyInterventions`.
///
///     clipCov:      each epoch, Cov_i over the batch; Clip-Cov's pick (strict bounds, PPO-clipped
///                   tokens excluded, max(1, ⌊r·N⌋) drawn uniformly) gets weight 0
///     klCov:        each epoch, top max(1, ⌊k·N⌋) by Cov_i get the penalty β|log π_θ − log π_old|;
///                   no PPO clipping in this path (the penalty's gradient is 0 in the first epoch)
///     steer:        each epoch, w = STEER weight of the code-form Ω; dual-clip PPO loss
///     flowBalance:  OPEFO: w = 1 ± λ*, λ* from the sampled tokens' first-order flows at π_old
///     entrocraft:   keep mask m·A ≥ 0 per step (m from the token-mean entropy, i.e. the mean of the
///                   state entropies); each state's loss averages over its kept samples
///     forkingTokens: each epoch, tokens whose state entropy is below τ_ρ get weight 0, the rest
///                   N/N_kept (normaliser = kept tokens)
///     polarityReweighting: w = w+ / w− by the sign of the token's polarity at π_old, (w+, w−) from
///                   the controller called with the entropy trajectory so far (current step last)
public enum EntropyIntervention: Sendable {
  /// No intervention.
  case none
  /// Clip-Cov (defaults: r = 2e-4, ω = (1, 5)).
  case clipCov(ratio: Double = 2e-4, lowerBound: Double = 1, upperBound: Double = 5)
  /// KL-Cov (defaults: k = 2e-3, β = 1).
  case klCov(ratio: Double = 2e-3, coefficient: Double = 1)
  /// STEER weights.
  case steer(SteerWeighting)
  /// OPEFO's balanced entropy flow.
  case flowBalance
  /// Entrocraft's keep-mask controller.
  case entrocraft(EntrocraftController)
  /// Top-ρ forking-token masking (default ρ = 0.2).
  case forkingTokens(ratio: Double = 0.2)
  /// Polarity-branch reweighting by a controller of the entropy trajectory.
  case polarityReweighting(@Sendable ([Double]) -> PolarityBranchWeights)
  /// Any `TokenWeighting` (CISPO, BAPO, HAPO, Lp-Reg, SIREN, EMPG, D³S, …): each epoch the rule
  /// sees the batch (sequence = token, group = state, ratios against π_old) and the token's
  /// coefficient becomes c_t·w_t·A_t + b_t, with c_t = 1 for rules whose w_t carries the ratio
  /// (`includesImportanceRatio`: PPO clip, CISPO, BAPO, HAPO, KL-Cov) and the PPO surrogate's
  /// r_t·1[not clipped] for the others.
  case tokenWeighting(any TokenWeighting)

  /// A short name for reports.
  public var name: String {
    switch self {
    case .none: "none"
    case .clipCov: "clip-cov"
    case .klCov: "kl-cov"
    case .steer: "steer"
    case .flowBalance: "opefo"
    case .entrocraft: "entrocraft"
    case .forkingTokens: "forking"
    case .polarityReweighting: "polarity"
    case .tokenWeighting(let rule): rule.name
    }
  }

  func validate() throws(TabularPolicyError) {
    switch self {
    case let .clipCov(r, lo, hi):
      try require(r > 0 && r <= 1, "ratio", "Clip-Cov ratio must be in (0, 1], got \(r)")
      try require(lo.isFinite && hi.isFinite && lo < hi, "bounds", "Clip-Cov needs finite ω_low < ω_high, got (\(lo), \(hi))")
    case let .klCov(k, beta):
      try require(k > 0 && k <= 1, "ratio", "KL-Cov ratio must be in (0, 1], got \(k)")
      try require(beta.isFinite && beta >= 0, "coefficient", "KL-Cov β must be finite and ≥ 0, got \(beta)")
    case let .forkingTokens(rho):
      try require(rho > 0 && rho <= 1, "ratio", "forking-token ratio ρ must be in (0, 1], got \(rho)")
    case .none, .steer, .flowBalance, .entrocraft, .polarityReweighting, .tokenWeighting:
      break
    }
  }
}
