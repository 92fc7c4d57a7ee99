// DeltaH — entropy change of softmax policies.

import GSLSupport
import SoftmaxEntropy
import RealModule

// The seven interventions DeltaH had before the `TokenWeighting` protocol, as token weights.

/// Clip-Cov as token weights: w = 0 on the seeded random pick of ``ClipCovSelection``, else 1.
public struct ClipCovWeighting: TokenWeighting {
  /// (ω_low, ω_high), strict.
  public var bounds: (lower: Double, upper: Double)
  /// The pick ratio r (verl `clip_cov_ratio`).
  public var ratio: Double
  /// The mt19937 seed of the pick.
  public var seed: UInt64

  public init(bounds: (lower: Double, upper: Double) = (1, 5), ratio: Double = 2e-4, seed: UInt64 = 1) {
    self.bounds = bounds
    self.ratio = ratio
    self.seed = seed
  }

  public var name: String { "clip-cov" }

  /// w_t = 0 for t in ``ClipCovSelection/selected`` (the seeded pick among valid tokens with
  /// ω_low < Cov_t < ω_high), else 1 (invalid tokens included). No candidate: all 1.
  ///
  /// - Throws: `InterventionError` for bad bounds or a ratio outside (0, 1] (see ``ClipCovSelection``).
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    let s = try ClipCovSelection(
      centredProducts: tokens.centredProducts, valid: tokens.valid, lowerBound: bounds.lower,
      upperBound: bounds.upper, ratio: ratio, generator: MersenneTwister(seed: seed))
    var w = [Double](repeating: 1, count: tokens.count)
    for i in s.selected { w[i] = 0 }
    return w
  }
}

/// KL-Cov as a change of effective advantage (Cui et al. Eq. 13–14, the released loss):
///
///     loss_t = −A_t r_t  (+ β |ℓ_t − ℓ_t^old| on the top-k Cov_t tokens)
///     ⇒ a_t = r_t A_t − β·sign(ℓ_t − ℓ_t^old)·1[t selected]
///
/// so w_t = r_t (KL-Cov's path has no PPO clipping) and b_t = −β sign(ℓ − ℓ^old) on the selected
/// tokens. At r = 1 (no old log-probabilities, or the first mini-batch) the penalty's subgradient is
/// 0, as torch's `abs`, and KL-Cov changes nothing to first order.
public struct KLCovWeighting: TokenWeighting {
  /// k, the selected fraction.
  public var ratio: Double
  /// β.
  public var coefficient: Double

  public init(ratio: Double = 2e-3, coefficient: Double = 1) {
    self.ratio = ratio
    self.coefficient = coefficient
  }

  public var name: String { "kl-cov" }
  public var includesImportanceRatio: Bool { true }

  /// The selected tokens: the top n = max(1, ⌊k·N_valid⌋) valid tokens by Cov_t (ties by index).
  ///
  /// - Throws: `InterventionError` for a ratio outside (0, 1] (see ``KLCovSelection``).
  /// - Complexity: O(N log N).
  public func selected(for tokens: TokenBatch) throws(InterventionError) -> [Int] {
    try KLCovSelection(centredProducts: tokens.centredProducts, valid: tokens.valid, ratio: ratio).selected
  }

  /// w_t = r_t = exp(ℓ_t − ℓ_t^old) (1 without old log-probabilities and at invalid tokens).
  ///
  /// - Throws: `InterventionError` when β is negative or not finite.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    try checkNonNegative(coefficient, name: "coefficient")
    return tokens.ratios
  }

  /// b_t = −β·sign(ℓ_t − ℓ_t^old) on the selected tokens, 0 elsewhere; all 0 (not nil) without
  /// old log-probabilities. β is not checked here (``weights(for:)`` checks it).
  ///
  /// - Throws: `InterventionError` for a ratio outside (0, 1].
  /// - Complexity: O(N log N).
  public func advantageOffsets(for tokens: TokenBatch) throws(InterventionError) -> [Double]? {
    var b = [Double](repeating: 0, count: tokens.count)
    guard let old = tokens.oldLogProbabilities else { return b }
    for i in try selected(for: tokens) {
      b[i] = -KLCovSelection.penaltySlope(
        logProbability: tokens.logProbabilities[i], oldLogProbability: old[i], coefficient: coefficient)
    }
    return b
  }
}

extension SteerWeighting: TokenWeighting {
  public var name: String { "steer" }

  /// STEER's code-form weights: Ω from (A, π_θ(y), π_old(y), H_t), then the linear or exponential
  /// map (π_old = π_θ without old log-probabilities). Invalid tokens get Ω = 0 before the map.
  ///
  /// - Throws: `InterventionError` for bad weight bounds (see ``weights(omegas:valid:)``).
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    let old = tokens.oldLogProbabilities ?? tokens.logProbabilities
    let omegas = (0..<tokens.count).map { i in
      tokens.valid[i]
        ? Self.omega(
          advantage: tokens.advantages[i], probability: Double.exp(tokens.logProbabilities[i]),
          oldProbability: Double.exp(old[i]), entropy: tokens.entropies[i])
        : 0
    }
    return try weights(omegas: omegas, valid: tokens.valid)
  }
}

/// OPEFO as token weights: 1 + λ* on expanding tokens (P_t > 0), 1 − λ* on contracting ones
/// (``EntropyFlowBalance``). Needs the polarity factors. **Interpretation**: the rule is read from a
/// summary of the paper (its Eq. 6 was not read); each token's flow is DeltaH's exact polarity.
public struct FlowBalanceWeighting: TokenWeighting {
  public init() {}
  public var name: String { "opefo" }
  public var isInterpretation: Bool { true }

  /// w_t = ``EntropyFlowBalance/weight(forFlow:)`` of P_t at valid tokens, 1 at invalid ones.
  ///
  /// - Throws: `InterventionError` naming `polarityFactors` when the batch has no polarity (no full
  ///   logits), or from ``EntropyFlowBalance`` for non-finite flows.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    guard let p = tokens.polarity else {
      throw InterventionError(argument: "polarityFactors", problem: "OPEFO needs the per-token polarity (full logits)")
    }
    let balance = try EntropyFlowBalance(flows: p, valid: tokens.valid)
    return (0..<tokens.count).map { tokens.valid[$0] ? balance.weight(forFlow: p[$0]) : 1 }
  }
}

/// Entrocraft as token weights: with H the token-mean entropy of the valid tokens and
/// m = ``EntrocraftController/direction(entropy:step:)``, w_t = 1[m·A_t ≥ 0]. No renormalisation
/// over the kept set: the released code zeroes the dropped samples' advantages and keeps them in
/// its token-mean denominator, so kept tokens weigh 1, as in the tabular trainer
/// (`EntropyIntervention.entrocraft`).
public struct EntrocraftWeighting: TokenWeighting {
  /// The schedule.
  public var controller: EntrocraftController
  /// The training step t at which the batch is taken.
  public var step: Int

  public init(controller: EntrocraftController, step: Int) {
    self.controller = controller
    self.step = step
  }

  public var name: String { "entrocraft" }

  /// w_t = 1[m·A_t ≥ 0] at valid tokens (so A_t = 0 and m = 0 keep the token), 1 at invalid ones.
  ///
  /// - Throws: nothing (the signature is the protocol's).
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    let idx = tokens.validIndices
    let h = compensatedMean(idx.map { tokens.entropies[$0] })
    let keep = EntrocraftController.keepMask(advantages: tokens.advantages, direction: controller.direction(entropy: h, step: step))
    return (0..<tokens.count).map { !tokens.valid[$0] || keep[$0] ? 1 : 0 }
  }
}

/// The forking-token mask of Wang et al. (2506.01939) as token weights, either arm:
///
///     τ = quantile_{1−ρ}({H_t : valid})          (numpy linear rule, ``ForkingTokenMask``)
///     top arm (the paper's):   w_t = 1[H_t ≥ τ]
///     bottom arm (ablation):   w_t = 1[H_t < τ]  (the other 1 − ρ of the tokens)
///
/// With `normalisesOverKept` the kept tokens weigh N/N_kept (N valid tokens, N_kept kept; all 0
/// when none is kept): the paper's loss normaliser, the number of kept tokens (its released code
/// passes `response_mask * entropy_mask` to the token-mean aggregation), relative to the token
/// mean over all N. The `whatif` rows and the trainer's `forking-bottom` set it, as the trainer's
/// `forking` arm renormalises; without it the weights are the mask before the normaliser.
public struct ForkingTokenWeighting: TokenWeighting {
  /// Which tokens keep their loss.
  public enum Arm: String, Sendable, CaseIterable {
    case top, bottom
  }
  /// ρ (0.2 in the paper).
  public var ratio: Double
  /// The arm.
  public var arm: Arm
  /// Whether kept tokens weigh N/N_kept instead of 1.
  public var normalisesOverKept: Bool

  public init(ratio: Double = 0.2, arm: Arm = .top, normalisesOverKept: Bool = false) {
    self.ratio = ratio
    self.arm = arm
    self.normalisesOverKept = normalisesOverKept
  }

  /// The name by arm: `forking` (top) or `forking-bottom`.
  ///
  /// - Complexity: O(1).
  public var name: String { arm == .top ? "forking" : "forking-bottom" }

  /// Top arm: w_t = c·1[H_t ≥ τ]; bottom arm: w_t = c·1[H_t < τ]; c = N/N_kept with
  /// `normalisesOverKept` (1 when no token is kept), else 1; invalid tokens get 1.
  ///
  /// - Throws: `InterventionError` for a ratio outside (0, 1].
  /// - Complexity: O(N log N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    let mask = try ForkingTokenMask(entropies: tokens.entropies, valid: tokens.valid, ratio: ratio)
    let validCount = tokens.validIndices.count
    let keptCount = arm == .top ? mask.keptCount : validCount - mask.keptCount
    let kept = normalisesOverKept && keptCount > 0 ? Double(validCount) / Double(keptCount) : 1
    return (0..<tokens.count).map { i in
      guard tokens.valid[i] else { return 1 }
      return (mask.keep[i] == (arm == .top)) ? kept : 0
    }
  }
}

/// The polarity-branch hook as token weights: w_t = w+ where P_t > 0, w− where P_t < 0.
public struct PolarityBranchWeighting: TokenWeighting {
  /// (w+, w−).
  public var branches: PolarityBranchWeights
  /// The row name (for example `expanding-only`).
  public var label: String

  public init(branches: PolarityBranchWeights, label: String) {
    self.branches = branches
    self.label = label
  }

  /// The label given at construction.
  ///
  /// - Complexity: O(1).
  public var name: String { label }

  /// w_t = w+ where P_t > 0, w− where P_t < 0, 1 where P_t = 0 and at invalid tokens.
  ///
  /// - Throws: `InterventionError` naming `polarityFactors` when the batch has no polarity.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    guard let p = tokens.polarity else {
      throw InterventionError(argument: "polarityFactors", problem: "the polarity branches need the per-token polarity (full logits)")
    }
    return (0..<tokens.count).map { tokens.valid[$0] ? branches.weight(forPolarity: p[$0]) : 1 }
  }
}

/// (1/n) Σ v with a compensated sum; NaN for an empty array.
func compensatedMean(_ v: [Double]) -> Double {
  compensatedSum(v) / Double(v.count)
}
