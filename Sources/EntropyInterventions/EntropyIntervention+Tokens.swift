// DeltaH — entropy change of softmax policies.

import GSLSupport
import RealModule

/// The sampled tokens of one training step as the step-level interventions see them: N = S·G
/// tokens in group order (tokens G·s … G·s + G − 1 were sampled at state s).
public struct SampledStepTokens: Sendable {
  /// A_n.
  public var advantages: [Double]
  /// G, tokens per group.
  public var groupSize: Int
  /// Each token's first-order ΔH (polarity) of its first-epoch step at π_old.
  public var polarities: [Double]
  /// The token-mean entropy of the batch (every group contributes G tokens: the mean of the
  /// state entropies).
  public var batchEntropy: Double
  /// The 0-based step index.
  public var step: Int
  /// The policy entropies of the run so far, the current step's last.
  public var entropyHistory: [Double]

  /// The step's tokens with each property as documented above.
  public init(
    advantages: [Double], groupSize: Int, polarities: [Double], batchEntropy: Double, step: Int,
    entropyHistory: [Double]
  ) {
    self.advantages = advantages
    self.groupSize = groupSize
    self.polarities = polarities
    self.batchEntropy = batchEntropy
    self.step = step
    self.entropyHistory = entropyHistory
  }
}

/// Step-level token weights w_n (fixed over the epochs of a step).
public struct StepWeights: Sendable, Equatable {
  /// w_n (1 without an intervention).
  public var weights: [Double]
  /// OPEFO's λ*, nil for the other interventions.
  public var lambda: Double?
  /// Tokens whose weight the intervention changed.
  public var touched: Int
}

/// One epoch's view of the sampled tokens, for the epoch-level interventions.
public struct EpochTokens: Sendable {
  /// ℓ_n = log π_θ(a_n) under the current policy.
  public var logProbabilities: [Double]
  /// ℓ_n^old = log π_old(a_n).
  public var oldLogProbabilities: [Double]
  /// A_n.
  public var advantages: [Double]
  /// H of the current policy at each token's state.
  public var entropies: [Double]
  /// Whether PPO's clip removed the token's gradient this epoch.
  public var clipped: [Bool]
  /// The PPO surrogate's coefficient r_n·1[not clipped].
  public var surrogate: [Double]
  /// G, tokens per group (state).
  public var groupSize: Int
  /// Cov_n, the centred products of ℓ and A (read by Clip-Cov and KL-Cov; see
  /// ``EntropyIntervention/needsCentredProducts``).
  public var centredProducts: [Double]?
  /// g_n, first-order ΔH per unit effective advantage at the current policy (read by token weightings).
  public var polarityFactors: [Double]?
  /// The current distributions and sampled actions (read by token weightings).
  public var distributions: TokenDistributions?
  /// The 0-based step index.
  public var step: Int
  /// The policy entropies of the earlier steps (oldest first; read only when
  /// ``EntropyIntervention/needsEntropyHistory``).
  public var earlierEntropies: [Double]

  /// One epoch's tokens with each property as documented above.
  public init(
    logProbabilities: [Double], oldLogProbabilities: [Double], advantages: [Double], entropies: [Double],
    clipped: [Bool], surrogate: [Double], groupSize: Int, centredProducts: [Double]? = nil,
    polarityFactors: [Double]? = nil, distributions: TokenDistributions? = nil, step: Int = 0,
    earlierEntropies: [Double] = []
  ) {
    self.logProbabilities = logProbabilities
    self.oldLogProbabilities = oldLogProbabilities
    self.advantages = advantages
    self.entropies = entropies
    self.clipped = clipped
    self.surrogate = surrogate
    self.groupSize = groupSize
    self.centredProducts = centredProducts
    self.polarityFactors = polarityFactors
    self.distributions = distributions
    self.step = step
    self.earlierEntropies = earlierEntropies
  }
}

/// One epoch's adjustment of the token objective: token n's objective becomes
/// `coefficients[n]` when set, else w_n·(its step weight)·r_n·A_n (0 when clipped), minus
/// `penalties[n]`.
public struct EpochAdjustment: Sendable, Equatable {
  /// Multiplicative weights w_n (1 without an intervention).
  public var weights: [Double]
  /// Penalty slopes subtracted from the objective (KL-Cov).
  public var penalties: [Double]
  /// Whole token coefficients c_n·w_n·A_n + b_n of a `TokenWeighting` rule, nil for the others.
  public var coefficients: [Double]?
  /// Tokens the intervention changed this epoch.
  public var touched: Int
  /// Tokens whose gradient a ratio-carrying rule's own weight removed this epoch (w = 0 at A ≠ 0:
  /// PPO clip, BAPO's and HAPO's clips; never CISPO or KL-Cov); 0 for the other interventions,
  /// whose clipping is the trainer's PPO clip.
  public var clippedByRule: Int = 0

  /// The adjustment that changes nothing: w = 1, no penalty, no coefficients, nothing touched.
  ///
  /// - Complexity: O(N).
  public static func identity(tokens n: Int) -> EpochAdjustment {
    EpochAdjustment(
      weights: Array(repeating: 1, count: n), penalties: Array(repeating: 0, count: n), coefficients: nil, touched: 0)
  }
}

extension EntropyIntervention {
  /// Whether ``epochAdjustment(_:generator:)`` changes anything (Clip-Cov, KL-Cov, STEER, forking
  /// tokens, token weightings); for the others it is the identity, and a trainer may skip it.
  ///
  /// - Complexity: O(1).
  public var adjustsEpochs: Bool {
    switch self {
    case .clipCov, .klCov, .steer, .forkingTokens, .tokenWeighting: true
    case .none, .flowBalance, .entrocraft, .polarityReweighting: false
    }
  }

  /// Whether ``epochAdjustment(_:generator:)`` reads the polarity factors and distributions
  /// (token weightings).
  ///
  /// - Complexity: O(1).
  public var needsTokenDistributions: Bool {
    if case .tokenWeighting = self { true } else { false }
  }

  /// Whether ``epochAdjustment(_:generator:)`` reads `EpochTokens.earlierEntropies` (run-dependent
  /// token weightings, `TrainingStateTokenWeighting`); a trainer can skip copying its history otherwise.
  ///
  /// - Complexity: O(1) (one dynamic cast).
  public var needsEntropyHistory: Bool {
    if case .tokenWeighting(let rule) = self { rule is any TrainingStateTokenWeighting } else { false }
  }

  /// The step-level weights: OPEFO's 1 ± λ* by the sign of each token's polarity, Entrocraft's
  /// keep mask w = 1[m·A ≥ 0] (kept 1, dropped 0: dropped samples stay in the loss's mean over all
  /// N samples, as the released code's zeroed advantages stay in its token-mean over the response
  /// mask; the same weights as `EntrocraftWeighting`; the bounds of step t + 1 of T for the
  /// 0-based `tokens.step` = t, as the released code counts from 1), the polarity controller's w±;
  /// 1 for the others.
  ///
  /// - Throws: `InterventionError` when OPEFO's flows are not finite.
  /// - Complexity: O(N).
  public func stepWeights(_ tokens: SampledStepTokens) throws(InterventionError) -> StepWeights {
    let n = tokens.advantages.count
    var result = StepWeights(weights: Array(repeating: 1, count: n), lambda: nil, touched: 0)
    switch self {
    case .flowBalance:
      let balance = try EntropyFlowBalance(flows: tokens.polarities)
      result.lambda = balance.lambda
      for i in 0..<n {
        result.weights[i] = balance.weight(forFlow: tokens.polarities[i])
        if result.weights[i] != 1 { result.touched += 1 }
      }
    case .entrocraft(let controller):
      // The released code (verl) counts training steps from 1 and anneals over step/T, reaching
      // the end bounds at the last step: the run's 0-based step t is its step t + 1.
      let m = controller.direction(entropy: tokens.batchEntropy, step: tokens.step + 1)
      // No renormalisation over the kept samples (it was G/G_kept per group): the released code
      // zeroes advantages and keeps their tokens in the token-mean denominator.
      let keep = EntrocraftController.keepMask(advantages: tokens.advantages, direction: m)
      for i in 0..<n {
        result.weights[i] = keep[i] ? 1 : 0
        if !keep[i] { result.touched += 1 }
      }
    case .polarityReweighting(let controller):
      let w = controller(tokens.entropyHistory)
      for i in 0..<n {
        result.weights[i] = w.weight(forPolarity: tokens.polarities[i])
        if result.weights[i] != 1 { result.touched += 1 }
      }
    case .none, .clipCov, .klCov, .steer, .forkingTokens, .tokenWeighting:
      break
    }
    return result
  }

  /// The epoch's adjustment: Clip-Cov's pick gets weight 0 (a uniform draw from `generator`),
  /// KL-Cov's pick a penalty slope, STEER its weights, forking tokens their mask (kept N/N_kept),
  /// a `TokenWeighting` its coefficients c_n·w_n·A_n + b_n (c_n = 1 for ratio-carrying rules,
  /// else the surrogate r_n·1[not clipped]; run-dependent rules at `step` after `earlierEntropies`).
  ///
  /// - Throws: `InterventionError` from the selection or rule (for example too few tokens,
  ///   missing centred products or distributions, non-finite inputs).
  /// - Complexity: O(N) plus the selection (O(N log N) for KL-Cov and forking masks) or the rule.
  public func epochAdjustment(_ t: EpochTokens, generator: MersenneTwister) throws(InterventionError) -> EpochAdjustment {
    let n = t.advantages.count
    var result = EpochAdjustment.identity(tokens: n)
    switch self {
    case let .clipCov(ratio, lower, upper):
      let selection = try ClipCovSelection(
        centredProducts: try t.requiredCentredProducts(), ppoClipped: t.clipped, lowerBound: lower, upperBound: upper,
        ratio: ratio, generator: generator)
      for i in selection.selected { result.weights[i] = 0 }
      result.touched = selection.selected.count
    case let .klCov(ratio, beta):
      let selection = try KLCovSelection(centredProducts: try t.requiredCentredProducts(), ratio: ratio)
      for i in selection.selected {
        result.penalties[i] = KLCovSelection.penaltySlope(
          logProbability: t.logProbabilities[i], oldLogProbability: t.oldLogProbabilities[i], coefficient: beta)
      }
      result.touched = selection.selected.count
    case .steer(let weighting):
      let omegas = (0..<n).map { i in
        SteerWeighting.omega(
          advantage: t.advantages[i], probability: Double.exp(t.logProbabilities[i]),
          oldProbability: Double.exp(t.oldLogProbabilities[i]), entropy: t.entropies[i])
      }
      result.weights = try weighting.weights(omegas: omegas)
      result.touched = result.weights.filter { abs($0 - 1) > 1e-12 }.count
    case .forkingTokens(let rho):
      let mask = try ForkingTokenMask(entropies: t.entropies, ratio: rho)
      let scale = Double(n) / Double(mask.keptCount)
      for i in 0..<n { result.weights[i] = mask.keep[i] ? scale : 0 }
      result.touched = n - mask.keptCount
    case .tokenWeighting(let rule):
      let (coefficients, removed) = try Self.coefficients(of: rule, t)
      result.coefficients = coefficients
      result.touched = (0..<n).filter { coefficients[$0] != t.advantages[$0] }.count
      result.clippedByRule = removed
    case .none, .flowBalance, .entrocraft, .polarityReweighting:
      break
    }
    return result
  }

  /// a_n = c_n·w_n·A_n + b_n of a `TokenWeighting` rule on the epoch's batch (sequence = token,
  /// group = state), with c_n = 1 for rules that carry the ratio themselves, else the surrogate;
  /// and, for the former, the number of tokens their weight removed (w_n = 0 at A_n ≠ 0).
  private static func coefficients(
    of rule: any TokenWeighting, _ t: EpochTokens
  ) throws(InterventionError) -> (coefficients: [Double], removed: Int) {
    let n = t.advantages.count
    let g = t.groupSize
    // Run-dependent rules see this step's index and the policy entropies of the earlier steps.
    let rule: any TokenWeighting =
      if let stateful = rule as? any TrainingStateTokenWeighting {
        stateful.atTrainingState(step: t.step, entropyHistory: t.earlierEntropies)
      } else { rule }
    var batch = try TokenBatch(
      logProbabilities: t.logProbabilities, advantages: t.advantages, entropies: t.entropies,
      oldLogProbabilities: t.oldLogProbabilities, sequenceIDs: (0..<n).map { Int64($0) },
      groupIDs: (0..<n).map { Int64($0 / g) }, polarityFactors: t.polarityFactors)
    batch.distributions = t.distributions
    let w = try rule.weights(for: batch)
    let b = try rule.advantageOffsets(for: batch)
    // Ratio-carrying rules replace the surrogate; the others multiply r_t·1[not clipped].
    let c = rule.includesImportanceRatio ? Array(repeating: 1, count: n) : t.surrogate
    let removed = rule.includesImportanceRatio ? (0..<n).filter { w[$0] == 0 && t.advantages[$0] != 0 }.count : 0
    return ((0..<n).map { c[$0] * w[$0] * t.advantages[$0] + (b?[$0] ?? 0) }, removed)
  }
}

extension EpochTokens {
  fileprivate func requiredCentredProducts() throws(InterventionError) -> [Double] {
    guard let centredProducts else {
      throw InterventionError(argument: "centredProducts", problem: "Clip-Cov and KL-Cov need the centred products Cov_n")
    }
    return centredProducts
  }
}
