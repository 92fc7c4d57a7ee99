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
/// GRPO's ε = 1e-6 is verl's default. A group whose samples all earned the same reward gets A = 0
/// exactly, whatever ε (also ε = 0). With one epoch and no intervention REINFORCE is unbiased for the exact per-state PG step.
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
  /// nil = no dual clip, except STEER, which uses 3.0 (its code default) when this is nil;
  /// refused with Clip-Cov, whose loss has none (verl).
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

  /// Why a dual clip is refused with Clip-Cov: verl's `compute_policy_loss_clip_cov` takes
  /// max(−A·r, −A·clip(r, 1 − ε_low, 1 + ε_high)) on the tokens it does not pick and reads no
  /// `clip_ratio_c`, so a dual-clipped Clip-Cov is a loss no trainer runs.
  static let clipCovHasNoDualClip =
    "Clip-Cov's loss (verl compute_policy_loss_clip_cov) has no dual clip; drop the dual clip or use another intervention"

  func validate() throws(TabularPolicyError) {
    try require(samplesPerState >= 1, "samplesPerState", "G must be ≥ 1, got \(samplesPerState)")
    if case .grpo(let eps) = estimator {
      try require(samplesPerState >= 2, "samplesPerState", "GRPO needs G ≥ 2 to normalise by the group std, got \(samplesPerState)")
      try require(eps.isFinite && eps >= 0, "epsilon", "GRPO std epsilon must be finite and ≥ 0, got \(eps)")
    }
    try require(epochs >= 1, "epochs", "must be ≥ 1, got \(epochs)")
    // The clip's domains are the PPO clip's (stated once, in PPOClipWeighting.validate()).
    do { try PPOClipWeighting(clipLow: clipLow, clipHigh: clipHigh, dualClip: dualClip).validate() } catch {
      throw TabularPolicyError(nesting: error)
    }
    if case .clipCov = intervention, dualClip != nil { throw TabularPolicyError(argument: "dualClip", problem: Self.clipCovHasNoDualClip) }
    try require(entropyCoefficient.isFinite && entropyCoefficient >= 0, "entropyCoefficient", "α_H must be finite and ≥ 0, got \(entropyCoefficient)")
    do { try intervention.validate() } catch { throw TabularPolicyError(nesting: error) }
  }
}
