// DeltaH — entropy change of softmax policies.

import GSLSupport
import RealModule

/// Entropy interventions for a trainer's sampled updates (docs/theory.md#sampled-updates),
/// applied over the batch of all sampled tokens (sequence = token, group = the G samples of one
/// state); token selection uses the pure functions of this module.
///
///     clipCov:      each epoch, Cov_i over the batch; Clip-Cov's pick (strict bounds, PPO-clipped
///                   tokens excluded, max(1, ⌊r·N⌋) drawn uniformly) gets weight 0
///     klCov:        each epoch, top max(1, ⌊k·N⌋) by Cov_i get the penalty β|log π_θ − log π_old|;
///                   no PPO clipping in this path (the penalty's gradient is 0 in the first epoch)
///     steer:        each epoch, w = STEER weight of the code-form Ω; dual-clip PPO loss
///     flowBalance:  OPEFO: w = 1 ± λ*, λ* from the sampled tokens' first-order flows at π_old
///     entrocraft:   keep mask m·A ≥ 0 per step (m from the token-mean entropy, i.e. the mean of the
///                   state entropies, and the bounds at (t + 1)/T for the 0-based step t, the
///                   released code's 1-based step/T); kept samples weigh 1, dropped 0 (no
///                   renormalisation: dropped samples stay in the mean, as in the released loss)
///     forkingTokens: each epoch, tokens whose state entropy is below τ_ρ get weight 0, the rest
///                   N/N_kept (normaliser = kept tokens)
///     polarityReweighting: w = w+ / w− by the sign of the token's polarity at π_old, (w+, w−) from
///                   the controller called with the entropy trajectory so far (current step last)
///
/// Each intervention acts in two places, ``stepWeights(_:)`` (fixed over the epochs of a step:
/// OPEFO, Entrocraft, polarity reweighting) and ``epochAdjustment(_:generator:)`` (recomputed each
/// epoch: Clip-Cov, KL-Cov, STEER, forking tokens, any `TokenWeighting`).
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
  ///
  /// - Complexity: O(1) (a token weighting's name is a stored or literal string).
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

  /// The name a failure of this intervention is reported under (`Clip-Cov: …`).
  ///
  /// - Complexity: O(1).
  public var failureLabel: String {
    switch self {
    case .clipCov: "Clip-Cov"
    case .klCov: "KL-Cov"
    case .steer: "STEER"
    case .flowBalance: "OPEFO"
    case .forkingTokens: "forking tokens"
    case .tokenWeighting(let rule): rule.name
    case .none, .entrocraft, .polarityReweighting: name
    }
  }

  /// Whether the trainer's PPO clip applies: every intervention but KL-Cov (whose penalty replaces
  /// it) and the token weightings whose weight carries the importance ratio and their own clipping
  /// (`includesImportanceRatio`: PPO clip, CISPO, BAPO, HAPO, annealed KL-Cov), which replace the
  /// surrogate; their own removals are ``EpochAdjustment/clippedByRule``.
  ///
  /// - Complexity: O(1).
  public var usesClipping: Bool {
    switch self {
    case .klCov: false
    case .tokenWeighting(let rule): !rule.includesImportanceRatio
    default: true
    }
  }

  /// The dual-clip constant used when the trainer sets none: 3 for STEER (its code default), else nil.
  ///
  /// - Complexity: O(1).
  public var defaultDualClip: Double? {
    if case .steer = self { 3.0 } else { nil }
  }

  /// Whether ``epochAdjustment(_:generator:)`` reads `EpochTokens.centredProducts` (Clip-Cov, KL-Cov).
  ///
  /// - Complexity: O(1).
  public var needsCentredProducts: Bool {
    switch self {
    case .clipCov, .klCov: true
    default: false
    }
  }

  /// Checks the parameters.
  ///
  /// - Throws: `InterventionError` naming the parameter (`ratio`, `bounds`, `coefficient`).
  /// - Complexity: O(1).
  public func validate() throws(InterventionError) {
    func require(_ condition: Bool, _ argument: String, _ problem: @autoclosure () -> String) throws(InterventionError) {
      if !condition { throw InterventionError(argument: argument, problem: problem()) }
    }
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
