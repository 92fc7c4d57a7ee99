// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import RealModule
import SoftmaxEntropy

extension TabularTrainer {
  /// One sampled step; see ``SampledUpdate`` and ``EntropyIntervention`` for the semantics.
  ///
  /// Draw order on the mt19937 stream (fixed, for reproducibility): for each state in order, G
  /// categorical draws from π_old; then, with temperature reinforcement, G draws from π^T per
  /// state; then, per epoch, Clip-Cov's uniform pick.
  func sampledStep(_ update: SampledUpdate, currentEntropy: Double) throws(TabularPolicyError) -> StepOutcome {
    let stateCount = policies.count
    let g = update.samplesPerState
    let n = stateCount * g
    let weights = evaluation.stateWeights
    var outcome = StepOutcome(policies: [])

    // 1. Samples from π_old and their advantages.
    var actions = [Int](repeating: 0, count: n)
    var advantages = [Double](repeating: 0, count: n)
    for s in 0..<stateCount {
      let q = evaluation.actionValues[s]
      let p = policies[s].probabilities
      var rewards = [Double](repeating: 0, count: g)
      for j in 0..<g {
        let a = generator.categorical(p)
        actions[s * g + j] = a
        rewards[j] = q[a]
      }
      switch update.estimator {
      case .reinforce:
        let v = evaluation.stateValues[s]
        for j in 0..<g { advantages[s * g + j] = rewards[j] - v }
      case .grpo(let eps):
        let mean = rewards.reduce(0, +) / Double(g)
        let variance = rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(g - 1)
        let std = variance.squareRoot()
        for j in 0..<g { advantages[s * g + j] = (rewards[j] - mean) / (std + eps) }
      }
    }
    outcome.samples = n

    // 2. Old-policy quantities and the per-token first-order flows of a unit step.
    let oldLogProb = (0..<n).map { policies[$0 / g].logProbabilities[actions[$0]] }
    let discriminators = policies.map(\.entropyDiscriminator)
    let expectedDiscriminators = policies.map(\.expectedEntropyDiscriminator)
    let factors = (0..<stateCount).map { stepFactor(state: $0, natural: false) }
    // Polarity at π_old of each token's first-epoch step α = η c_s A / G (docs/theory.md#polarity).
    let polarities = (0..<n).map { i -> Double in
      let s = i / g
      let alpha = learningRate * factors[s] * advantages[i] / Double(g)
      return alpha * (expectedDiscriminators[s] - discriminators[s][actions[i]])
    }

    // 3. Step-level weights (fixed over the epochs).
    var staticWeights = [Double](repeating: 1, count: n)
    switch update.intervention {
    case .flowBalance:
      let balance: EntropyFlowBalance
      do { balance = try EntropyFlowBalance(flows: polarities) } catch {
        throw TabularPolicyError(argument: "OPEFO", problem: error.description)
      }
      outcome.lambda = balance.lambda
      for i in 0..<n {
        staticWeights[i] = balance.weight(forFlow: polarities[i])
        if staticWeights[i] != 1 { outcome.touched += 1 }
      }
    case .entrocraft(let controller):
      // Token-mean entropy of the batch: every state contributes G tokens.
      let batchEntropy = policies.reduce(0) { $0 + $1.entropy } / Double(stateCount)
      let m = controller.direction(entropy: batchEntropy, step: stepCount)
      for s in 0..<stateCount {
        let keep = EntrocraftController.keepMask(advantages: Array(advantages[(s * g)..<((s + 1) * g)]), direction: m)
        let kept = keep.filter { $0 }.count
        for j in 0..<g {
          staticWeights[s * g + j] = keep[j] ? Double(g) / Double(kept) : 0
          if !keep[j] { outcome.touched += 1 }
        }
      }
    case .polarityReweighting(let controller):
      let w = controller(entropyHistory)
      for i in 0..<n {
        staticWeights[i] = w.weight(forPolarity: polarities[i])
        if staticWeights[i] != 1 { outcome.touched += 1 }
      }
    case .none, .clipCov, .klCov, .steer, .forkingTokens, .tokenWeighting:
      break
    }

    // 4. Temperature-reinforcement samples (unit reward), when on.
    var temperatureActions: [Int] = []
    var reinforcementCoefficient = 0.0
    if let t = update.temperatureReinforcement {
      let tau = t.temperature(forEntropy: currentEntropy)
      outcome.temperature = tau
      reinforcementCoefficient = t.coefficient
      temperatureActions.reserveCapacity(n)
      for s in 0..<stateCount {
        let q: [Double]
        do { q = try SoftmaxPolicy(logits: policies[s].logits, temperature: tau).probabilities } catch {
          throw TabularPolicyError(argument: "temperature", problem: error.description)
        }
        for _ in 0..<g { temperatureActions.append(generator.categorical(q)) }
      }
      outcome.samples += n
    }

    // 5. Epochs of full-batch gradient steps.
    let steer: SteerWeighting? = if case .steer(let w) = update.intervention { w } else { nil }
    let dualClip = update.dualClip ?? (steer != nil ? 3.0 : nil)
    let usesClipping: Bool = if case .klCov = update.intervention { false } else { true }
    var current = policies
    var tokenFlow = [Double](repeating: 0, count: n)
    var otherFlow = [Double](repeating: 0, count: stateCount)  // bonus + π^T contributions, per state
    for _ in 0..<update.epochs {
      let logProb = (0..<n).map { current[$0 / g].logProbabilities[actions[$0]] }
      var ratios = [Double](repeating: 1, count: n)
      var clipped = [Bool](repeating: false, count: n)
      for i in 0..<n {
        let rho = Double.exp(logProb[i] - oldLogProb[i])
        ratios[i] = rho
        guard usesClipping else { continue }
        let a = advantages[i]
        let clippedRatio = min(max(rho, 1 - update.clipLow), 1 + update.clipHigh)
        var isClipped = -a * clippedRatio > -a * rho
        if let c = dualClip, a < 0, max(-a * rho, -a * clippedRatio) > -a * c { isClipped = true }
        clipped[i] = isClipped
        if isClipped { outcome.ppoClipped += 1 }
      }
      var epochWeights = [Double](repeating: 1, count: n)
      var penalties = [Double](repeating: 0, count: n)
      var coefficients: [Double]?  // w_t·A_t + b_t of a TokenWeighting rule

      switch update.intervention {
      case let .clipCov(ratio, lower, upper):
        let products = try centredProducts(logProb, advantages)
        let selection: ClipCovSelection
        do {
          selection = try ClipCovSelection(
            centredProducts: products, ppoClipped: clipped, lowerBound: lower, upperBound: upper, ratio: ratio,
            generator: generator)
        } catch { throw TabularPolicyError(argument: "Clip-Cov", problem: error.description) }
        for i in selection.selected { epochWeights[i] = 0 }
        outcome.touched += selection.selected.count
      case let .klCov(ratio, beta):
        let products = try centredProducts(logProb, advantages)
        let selection: KLCovSelection
        do { selection = try KLCovSelection(centredProducts: products, ratio: ratio) } catch {
          throw TabularPolicyError(argument: "KL-Cov", problem: error.description)
        }
        for i in selection.selected {
          penalties[i] = KLCovSelection.penaltySlope(
            logProbability: logProb[i], oldLogProbability: oldLogProb[i], coefficient: beta)
        }
        outcome.touched += selection.selected.count
      case .steer(let weighting):
        let omegas = (0..<n).map { i in
          SteerWeighting.omega(
            advantage: advantages[i], probability: Double.exp(logProb[i]), oldProbability: Double.exp(oldLogProb[i]),
            entropy: current[i / g].entropy)
        }
        do { epochWeights = try weighting.weights(omegas: omegas) } catch {
          throw TabularPolicyError(argument: "STEER", problem: error.description)
        }
        outcome.touched += epochWeights.filter { abs($0 - 1) > 1e-12 }.count
      case .forkingTokens(let rho):
        let mask: ForkingTokenMask
        do { mask = try ForkingTokenMask(entropies: (0..<n).map { current[$0 / g].entropy }, ratio: rho) } catch {
          throw TabularPolicyError(argument: "forking tokens", problem: error.description)
        }
        let scale = Double(n) / Double(mask.keptCount)
        for i in 0..<n { epochWeights[i] = mask.keep[i] ? scale : 0 }
        outcome.touched += n - mask.keptCount
      case .tokenWeighting(let rule):
        coefficients = try tokenWeightingCoefficients(
          rule, logProb: logProb, oldLogProb: oldLogProb, advantages: advantages, actions: actions, current: current,
          factors: factors, samplesPerState: g, surrogate: (0..<n).map { clipped[$0] ? 0 : ratios[$0] })
        outcome.touched += (0..<n).filter { coefficients![$0] != advantages[$0] }.count
      case .none, .flowBalance, .entrocraft, .polarityReweighting:
        break
      }
      // Per-state logit steps: Σ_n β_n (e_{a_n} − π_θ) + bonus + π^T term.
      var next: [SoftmaxPolicy] = []
      next.reserveCapacity(stateCount)
      for s in 0..<stateCount {
        let pi = current[s]
        let eta = learningRate * factors[s]
        var step = [Double](repeating: 0, count: pi.actionCount)
        var total = 0.0
        // ∇H(π_old)ᵀ(e_a − π_θ) = −S_a + Σ_b S_b π_θ,b: the flow of a unit token step.
        let sPi = compensatedDot(discriminators[s], pi.probabilities)
        for j in 0..<g {
          let i = s * g + j
          let objective = coefficients?[i] ?? (clipped[i] ? 0 : staticWeights[i] * epochWeights[i] * ratios[i] * advantages[i])
          let beta = eta / Double(g) * (objective - penalties[i])
          step[actions[i]] += beta
          total += beta
          tokenFlow[i] += beta * (sPi - discriminators[s][actions[i]])
        }
        if reinforcementCoefficient > 0 {
          let beta = eta * reinforcementCoefficient / Double(g)
          for j in 0..<g {
            let b = temperatureActions[s * g + j]
            step[b] += beta
            total += beta
            otherFlow[s] += beta * (sPi - discriminators[s][b])
          }
        }
        for b in step.indices { step[b] -= total * pi.probabilities[b] }
        if update.entropyCoefficient > 0 {
          let grad = pi.entropyGradient
          var flow = 0.0
          for b in step.indices {
            step[b] += eta * update.entropyCoefficient * grad[b]
            flow -= discriminators[s][b] * eta * update.entropyCoefficient * grad[b]
          }
          otherFlow[s] += flow
        }
        do { next.append(try pi.updated(byLogitStep: step)) } catch {
          throw TabularPolicyError(argument: "logits[\(s)]", problem: "the update failed: \(error.description)")
        }
      }
      current = next
    }
    for i in 0..<n { outcome.addFlow(tokenFlow[i], weight: weights[i / g]) }
    for s in 0..<stateCount { outcome.addFlow(otherFlow[s], weight: weights[s]) }
    outcome.policies = current
    return outcome
  }

  /// a_t = c_t·w_t·A_t + b_t of a `TokenWeighting` rule on the epoch's batch (sequence = token,
  /// group = state, entropies and polarity factors of the current policies), c_t = 1 for rules that
  /// carry the ratio themselves, else the PPO surrogate's r_t·1[not clipped].
  private func tokenWeightingCoefficients(
    _ rule: any TokenWeighting, logProb: [Double], oldLogProb: [Double], advantages: [Double], actions: [Int],
    current: [SoftmaxPolicy], factors: [Double], samplesPerState g: Int, surrogate: [Double]
  ) throws(TabularPolicyError) -> [Double] {
    let n = advantages.count
    // Run-dependent rules see this step's index and the policy entropies of the earlier steps
    // (`entropyHistory` ends with the current step's entropy, which is dropped).
    let rule: any TokenWeighting =
      if let stateful = rule as? any TrainingStateTokenWeighting {
        stateful.atTrainingState(step: stepCount, entropyHistory: Array(entropyHistory.dropLast()))
      } else { rule }
    do {
      let discriminators = current.map(\.entropyDiscriminator)
      let expected = current.map(\.expectedEntropyDiscriminator)
      var batch = try TokenBatch(
        logProbabilities: logProb, advantages: advantages, entropies: (0..<n).map { current[$0 / g].entropy },
        oldLogProbabilities: oldLogProb, sequenceIDs: (0..<n).map { Int64($0) }, groupIDs: (0..<n).map { Int64($0 / g) },
        polarityFactors: (0..<n).map { i in
          learningRate * factors[i / g] / Double(g) * (expected[i / g] - discriminators[i / g][actions[i]])
        })
      batch.distributions = TokenDistributions(rows: current.map(\.probabilities), row: (0..<n).map { $0 / g }, sampled: actions)
      let w = try rule.weights(for: batch)
      let b = try rule.advantageOffsets(for: batch)
      // Ratio-carrying rules replace the surrogate; the others multiply r_t·1[not clipped].
      let c = rule.includesImportanceRatio ? Array(repeating: 1, count: n) : surrogate
      return (0..<n).map { c[$0] * w[$0] * advantages[$0] + (b?[$0] ?? 0) }
    } catch {
      throw TabularPolicyError(argument: rule.name, problem: error.description)
    }
  }

  private func centredProducts(_ logProb: [Double], _ advantages: [Double]) throws(TabularPolicyError) -> [Double] {
    do { return try TokenCovariance(logProbabilities: logProb, advantages: advantages).centredProducts } catch {
      throw TabularPolicyError(argument: "token covariance", problem: error.description)
    }
  }
}
