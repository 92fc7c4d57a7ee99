// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import RealModule
import SoftmaxEntropy

extension TabularTrainer {
  /// One sampled step: estimator → intervention weights → PPO epochs; see ``SampledUpdate`` and
  /// ``EntropyIntervention`` for the semantics.
  ///
  /// Draw order on the mt19937 stream (fixed, for reproducibility): for each state in order, G
  /// categorical draws from π_old; then, with temperature reinforcement, G draws from π^T per
  /// state; then, per epoch, Clip-Cov's uniform pick.
  func sampledStep(_ update: SampledUpdate, currentEntropy: Double) throws(TabularPolicyError) -> StepOutcome {
    let g = update.samplesPerState
    let intervention = update.intervention
    var outcome = StepOutcome(policies: [])

    // 1. Samples from π_old and their advantages.
    let (actions, advantages) = sampleTokens(update)
    let n = actions.count
    outcome.samples = n

    // 2. Step-level weights from the first-order polarity of each token's first-epoch step
    //    α = η c_s A / G at π_old (docs/theory.md#polarity).
    let discriminators = policies.map(\.entropyDiscriminator)
    let expectedDiscriminators = policies.map(\.expectedEntropyDiscriminator)
    let stepSizes = policies.indices.map { learningRate * stepFactor(state: $0, natural: false) }  // η c_s
    let polarities = (0..<n).map { i in
      EntropyPolarity.firstOrder(
        stepSize: stepSizes[i / g] * advantages[i] / Double(g), discriminator: discriminators[i / g][actions[i]],
        expectedDiscriminator: expectedDiscriminators[i / g])
    }
    let tokens = SampledStepTokens(
      advantages: advantages, groupSize: g, polarities: polarities,
      batchEntropy: policies.reduce(0) { $0 + $1.entropy } / Double(policies.count), step: stepCount,
      entropyHistory: entropyHistory)
    let stepWeights: StepWeights
    do { stepWeights = try intervention.stepWeights(tokens) } catch {
      throw TabularPolicyError(argument: intervention.failureLabel, cause: .intervention(error))
    }
    outcome.lambda = stepWeights.lambda
    outcome.touched += stepWeights.touched

    // 3. Temperature-reinforcement samples (unit reward), when on.
    let temperatureActions = try temperatureSamples(update, currentEntropy: currentEntropy, outcome: &outcome)

    // 4. Epochs of full-batch gradient steps.
    let oldLogProb = (0..<n).map { policies[$0 / g].logProbabilities[actions[$0]] }
    let dualClip = update.dualClip ?? intervention.defaultDualClip
    var current = policies
    var flows = SampledFlows(tokens: n, states: policies.count)
    let usesClipping = intervention.usesClipping
    let identity = EpochAdjustment.identity(tokens: n)
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
      var adjustment = identity
      if intervention.adjustsEpochs {
        let epoch = try epochTokens(
          intervention, current: current, actions: actions, logProb: logProb, oldLogProb: oldLogProb,
          advantages: advantages, clipped: clipped, surrogate: (0..<n).map { clipped[$0] ? 0 : ratios[$0] },
          stepSizes: stepSizes, samplesPerState: g)
        do { adjustment = try intervention.epochAdjustment(epoch, generator: generator) } catch {
          throw TabularPolicyError(argument: intervention.failureLabel, cause: .intervention(error))
        }
        outcome.touched += adjustment.touched
        outcome.ppoClipped += adjustment.clippedByRule
      }
      let objectives = (0..<n).map { i -> Double in
        let objective: Double =
          adjustment.coefficients?[i]
          ?? (clipped[i] ? 0 : stepWeights.weights[i] * adjustment.weights[i] * ratios[i] * advantages[i])
        return objective - adjustment.penalties[i]
      }
      current = try epochStep(
        update, current: current, objectives: objectives, actions: actions, temperatureActions: temperatureActions,
        stepSizes: stepSizes, discriminators: discriminators, flows: &flows)
    }
    let weights = evaluation.stateWeights
    for i in 0..<n { outcome.addFlow(flows.token[i], weight: weights[i / g]) }
    for s in policies.indices { outcome.addFlow(flows.other[s], weight: weights[s]) }
    outcome.policies = current
    return outcome
  }

  /// G actions per state from π_old and their advantages (REINFORCE: Q − V; GRPO: group-normalised).
  private func sampleTokens(_ update: SampledUpdate) -> (actions: [Int], advantages: [Double]) {
    let g = update.samplesPerState
    let n = policies.count * g
    var actions = [Int](repeating: 0, count: n)
    var advantages = [Double](repeating: 0, count: n)
    for s in policies.indices {
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
        // A group whose samples all earned the same reward has no signal: A = 0 exactly (its
        // rounded mean would leave ±1e-17 residues that ε = 0 blows up to ±O(1) or 0/0).
        guard rewards.contains(where: { $0 != rewards[0] }) else { continue }
        let mean = rewards.reduce(0, +) / Double(g)
        let variance = rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(g - 1)
        let std = variance.squareRoot()
        for j in 0..<g { advantages[s * g + j] = (rewards[j] - mean) / (std + eps) }
      }
    }
    return (actions, advantages)
  }

  /// G draws per state from π^T (T from the current entropy), empty without temperature reinforcement.
  private func temperatureSamples(
    _ update: SampledUpdate, currentEntropy: Double, outcome: inout StepOutcome
  ) throws(TabularPolicyError) -> [Int] {
    guard let t = update.temperatureReinforcement else { return [] }
    let tau = t.temperature(forEntropy: currentEntropy)
    outcome.temperature = tau
    var temperatureActions: [Int] = []
    temperatureActions.reserveCapacity(policies.count * update.samplesPerState)
    for s in policies.indices {
      let q: [Double]
      do { q = try SoftmaxPolicy(logits: policies[s].logits, temperature: tau).probabilities } catch {
        throw TabularPolicyError(argument: "temperature", cause: .softmax(error))
      }
      for _ in 0..<update.samplesPerState { temperatureActions.append(generator.categorical(q)) }
    }
    outcome.samples += policies.count * update.samplesPerState
    return temperatureActions
  }

  /// The epoch's tokens as the intervention reads them; centred products, polarity factors and
  /// distributions only when the intervention needs them.
  private func epochTokens(
    _ intervention: EntropyIntervention, current: [SoftmaxPolicy], actions: [Int], logProb: [Double],
    oldLogProb: [Double], advantages: [Double], clipped: [Bool], surrogate: [Double], stepSizes: [Double],
    samplesPerState g: Int
  ) throws(TabularPolicyError) -> EpochTokens {
    let n = actions.count
    var epoch = EpochTokens(
      logProbabilities: logProb, oldLogProbabilities: oldLogProb, advantages: advantages,
      entropies: (0..<n).map { current[$0 / g].entropy }, clipped: clipped, surrogate: surrogate, groupSize: g,
      step: stepCount, earlierEntropies: intervention.needsEntropyHistory ? Array(entropyHistory.dropLast()) : [])
    if intervention.needsCentredProducts {
      do { epoch.centredProducts = try TokenCovariance(logProbabilities: logProb, advantages: advantages).centredProducts } catch {
        throw TabularPolicyError(argument: "token covariance", cause: .softmax(error))
      }
    }
    if intervention.needsTokenDistributions {
      let discriminators = current.map(\.entropyDiscriminator)
      let expected = current.map(\.expectedEntropyDiscriminator)
      epoch.polarityFactors = (0..<n).map { i in
        EntropyPolarity.firstOrder(
          stepSize: stepSizes[i / g] / Double(g), discriminator: discriminators[i / g][actions[i]],
          expectedDiscriminator: expected[i / g])
      }
      epoch.distributions = TokenDistributions(rows: current.map(\.probabilities), row: (0..<n).map { $0 / g }, sampled: actions)
    }
    return epoch
  }

  /// One full-batch gradient step: per state, Δz_s = Σ_n β_n (e_{a_n} − π_θ) + bonus + π^T term,
  /// β_n = η c_s / G × objective_n; accumulates each token's (and each state's other) first-order flow.
  private func epochStep(
    _ update: SampledUpdate, current: [SoftmaxPolicy], objectives: [Double], actions: [Int],
    temperatureActions: [Int], stepSizes: [Double], discriminators: [[Double]], flows: inout SampledFlows
  ) throws(TabularPolicyError) -> [SoftmaxPolicy] {
    let g = update.samplesPerState
    let reinforcementCoefficient = update.temperatureReinforcement?.coefficient ?? 0
    var next: [SoftmaxPolicy] = []
    next.reserveCapacity(current.count)
    for s in current.indices {
      let pi = current[s]
      let eta = stepSizes[s]
      var step = [Double](repeating: 0, count: pi.actionCount)
      var total = 0.0
      // ∇H(π_old)ᵀ(e_a − π_θ) = −S_a + Σ_b S_b π_θ,b: the flow of a unit token step.
      let sPi = compensatedDot(discriminators[s], pi.probabilities)
      for j in 0..<g {
        let i = s * g + j
        let beta = eta / Double(g) * objectives[i]
        step[actions[i]] += beta
        total += beta
        flows.token[i] += beta * (sPi - discriminators[s][actions[i]])
      }
      if reinforcementCoefficient > 0 {
        let beta = eta * reinforcementCoefficient / Double(g)
        for j in 0..<g {
          let b = temperatureActions[s * g + j]
          step[b] += beta
          total += beta
          flows.other[s] += beta * (sPi - discriminators[s][b])
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
        flows.other[s] += flow
      }
      do { next.append(try pi.updated(byLogitStep: step)) } catch {
        throw TabularPolicyError(argument: "logits[\(s)]", cause: .softmax(error), problemPrefix: "the update failed: ")
      }
    }
    return next
  }
}

/// First-order entropy flows of a sampled step, summed over its epochs: one per token, and one per
/// state for the entropy bonus and π^T contributions.
struct SampledFlows {
  var token: [Double]
  var other: [Double]

  init(tokens: Int, states: Int) {
    token = Array(repeating: 0, count: tokens)
    other = Array(repeating: 0, count: states)
  }
}
