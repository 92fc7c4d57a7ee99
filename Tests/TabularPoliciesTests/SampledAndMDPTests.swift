// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import GSLSupport
import RealModule
import SoftmaxEntropy
import TabularPolicies
import Testing
import _TestSupport

@Suite("Sampled updates, interventions in training, and MDP evaluation")
struct SampledAndMDPTests {
  static func contextual() throws -> (ContextualBandit, [[Double]]) {
    let g = MersenneTwister(seed: 21)
    let b = try ContextualBandit.random(states: 5, actions: 6, generator: g)
    return (b, (0..<5).map { _ in (0..<6).map { _ in g.gaussian() } })
  }

  static let interventions: [(String, EntropyIntervention)] = [
    ("none", .none), ("clip-cov", .clipCov(ratio: 0.1, lowerBound: 0, upperBound: 5)), ("kl-cov", .klCov(ratio: 0.1, coefficient: 1)),
    ("steer", .steer(.linear())), ("opefo", .flowBalance),
    ("entrocraft", .entrocraft(try! EntrocraftController(startBounds: (1.0, 1.2), endBounds: (0.2, 0.4), totalSteps: 20))),
    ("forking", .forkingTokens(ratio: 0.4)),
    ("polarity", .polarityReweighting(PolarityBranchWeights.proportionalController(target: 1.2, gain: 2))),
  ]

  /// Same seed ⇒ the same records bit for bit; another seed ⇒ a different run.
  @Test(arguments: 0..<8)
  func reproducibleAndFlowsSplitFirstOrder(index: Int) throws {
    let (name, intervention) = Self.interventions[index]
    let (bandit, z) = try Self.contextual()
    let update = SampledUpdate(samplesPerState: 8, epochs: 3, intervention: intervention)
    func run(_ seed: UInt64) throws -> TrainingRun {
      try TabularTrainer(environment: bandit, initialLogits: z, rule: .sampled(update), learningRate: 0.5, seed: seed).run(steps: 20)
    }
    let a = try run(9), b = try run(9), c = try run(10)
    #expect(a == b, "\(name): same seed must reproduce the run exactly")
    #expect(a.steps.map(\.deltaActual) != c.steps.map(\.deltaActual), "\(name): another seed gave the same run")
    for s in a.steps {
      #expect(abs(s.expandingFlow - s.contractingFlow - s.deltaFirstOrder) < 1e-13, "\(name) step \(s.step)")
      #expect(s.samples == 40)
    }
    if name != "none" { #expect(a.steps.contains { $0.interventionTouched > 0 }, "\(name) never touched a token") }
  }

  /// REINFORCE with the exact value baseline is unbiased: the mean sampled step over 4000 seeds
  /// matches η π ⊙ A. Per-coordinate standard error ≈ η·0.5/√(8·4000) ≈ 3e-3; tolerance 1.5e-2 (5σ).
  @Test func reinforceIsUnbiased() throws {
    let z = [2.0, 1, 0, -1], r = [1.0, 0, 0, 0]
    let bandit = try ContextualBandit(rewards: r)
    var mean = [Double](repeating: 0, count: 4)
    let runs = 4000
    for seed in 0..<runs {
      let t = try TabularTrainer(
        environment: bandit, initialLogits: [z], rule: .sampled(SampledUpdate(estimator: .reinforce)), learningRate: 1,
        seed: UInt64(seed))
      try t.advance()
      for i in 0..<4 { mean[i] += (t.logits[0][i] - z[i]) / Double(runs) }
    }
    let p = referenceSoftmax(z)
    let j = zip(p, r).map { $0 * $1 }.reduce(0, +)
    let exact = (0..<4).map { p[$0] * (r[$0] - j) }
    #expect(maxAbsoluteDifference(mean, exact) < 1.5e-2, "mean \(mean) vs exact \(exact)")
  }

  /// GRPO's std epsilon: a group with equal rewards has zero advantages, so nothing moves.
  @Test func grpoEqualRewardsDoNotMove() throws {
    let t = try TabularTrainer(
      environment: ContextualBandit(rewards: [0.5, 0.5, 0.5]), initialLogits: [[1, 0, -1]],
      rule: .sampled(SampledUpdate()), learningRate: 1)
    let rec = try t.advance()
    #expect(rec.deltaActual == 0 && t.logits == [[1, 0, -1]])
  }

  /// KL-Cov's penalty has zero gradient in the first epoch (log π_θ = log π_old) and KL-Cov uses
  /// the same draws, so with one epoch it reproduces plain GRPO; with several epochs it differs.
  @Test func klCovFirstEpochIsPlainGRPO() throws {
    let (bandit, z) = try Self.contextual()
    func run(_ i: EntropyIntervention, epochs: Int) throws -> TrainingRun {
      try TabularTrainer(
        environment: bandit, initialLogits: z, rule: .sampled(SampledUpdate(epochs: epochs, intervention: i)),
        learningRate: 0.5, seed: 3
      ).run(steps: 10)
    }
    let plain = try run(.none, epochs: 1), kl = try run(.klCov(ratio: 0.2, coefficient: 1), epochs: 1)
    #expect(plain.steps.map(\.deltaActual) == kl.steps.map(\.deltaActual))
    let kl3 = try run(.klCov(ratio: 0.2, coefficient: 1), epochs: 3), plain3 = try run(.none, epochs: 3)
    #expect(kl3.steps.map(\.deltaActual) != plain3.steps.map(\.deltaActual))
  }

  /// OPEFO with one epoch balances the first-order flow: the step's first-order ΔH is 0.
  @Test func opefoZeroesFirstOrderFlow() throws {
    let (bandit, z) = try Self.contextual()
    let run = try TabularTrainer(
      environment: bandit, initialLogits: z, rule: .sampled(SampledUpdate(intervention: .flowBalance)), learningRate: 0.5, seed: 4
    ).run(steps: 10)
    for s in run.steps {
      #expect(abs(s.deltaFirstOrder) < 1e-15 + 1e-12 * s.expandingFlow)
      #expect(s.flowBalanceLambda.map { abs($0) <= 1 } ?? false)
    }
  }

  /// PPO-clip: large steps over several epochs clip some tokens; with one epoch nothing is clipped.
  @Test func ppoClipsOnLaterEpochs() throws {
    let (bandit, z) = try Self.contextual()
    func clippedCount(epochs: Int) throws -> Int {
      try TabularTrainer(
        environment: bandit, initialLogits: z, rule: .sampled(SampledUpdate(epochs: epochs)), learningRate: 2, seed: 1
      ).run(steps: 5).steps.reduce(0) { $0 + $1.ppoClipped }
    }
    #expect(try clippedCount(epochs: 1) == 0)
    #expect(try clippedCount(epochs: 4) > 0)
  }

  // MARK: - MDP

  /// Test-side policy evaluation by fixed-point iteration (independent of the LAPACK solve).
  static func iterate(_ mdp: TabularMDP, _ z: [[Double]]) -> (v: [Double], q: [[Double]], d: [Double]) {
    let s = mdp.stateCount, k = mdp.actionCount, g = mdp.discount
    let p = z.map { referenceSoftmax($0) }
    func dot(_ a: [Double], _ b: [Double]) -> Double {
      var t = 0.0
      for i in a.indices { t += a[i] * b[i] }
      return t
    }
    func backup(_ v: [Double]) -> [[Double]] {
      var q: [[Double]] = []
      for i in 0..<s {
        var row: [Double] = []
        for a in 0..<k { row.append(mdp.rewards[i][a] + g * dot(mdp.transitions[i][a], v)) }
        q.append(row)
      }
      return q
    }
    var v = [Double](repeating: 0, count: s)
    for _ in 0..<2000 {
      let q = backup(v)
      v = (0..<s).map { dot(p[$0], q[$0]) }
    }
    let q = backup(v)
    // P_π(i, j) = Σ_a π(a|i) P(j|i, a); d = (1 − γ) Σ_t γ^t ρ₀ P_π^t, summed while γ^t > 1e-200.
    var pPi = [[Double]](repeating: [Double](repeating: 0, count: s), count: s)
    for i in 0..<s { for a in 0..<k { for j in 0..<s { pPi[i][j] += p[i][a] * mdp.transitions[i][a][j] } } }
    var term = mdp.initialDistribution
    var d = [Double](repeating: 0, count: s)
    var w = 1 - g
    for _ in 0..<2000 {
      for i in 0..<s { d[i] += w * term[i] }
      var next = [Double](repeating: 0, count: s)
      for i in 0..<s { for j in 0..<s { next[j] += term[i] * pPi[i][j] } }
      term = next
      w *= g
    }
    return (v, q, d)
  }

  @Test func mdpEvaluationMatchesIteration() throws {
    let g = MersenneTwister(seed: 2)
    let mdp = try TabularMDP.random(states: 6, actions: 3, discount: 0.9, generator: g)
    let z = (0..<6).map { _ in (0..<3).map { _ in g.gaussian() } }
    let e = try mdp.evaluate(z.map { try SoftmaxPolicy(logits: $0) })
    let ref = Self.iterate(mdp, z)
    // γ = 0.9, 2000 iterations: the iteration error is 0.9^2000 ≈ 1e-92; the comparison is limited by rounding.
    #expect(maxAbsoluteDifference(e.stateValues, ref.v) < 1e-10)
    for s in 0..<6 {
      #expect(maxAbsoluteDifference(e.actionValues[s], ref.q[s]) < 1e-10)
      let adv = zip(e.actionValues[s], [Double](repeating: e.stateValues[s], count: 3)).map { $0 - $1 }
      let refAdv = ref.q[s].map { $0 - ref.v[s] }
      #expect(maxAbsoluteDifference(adv, refAdv) < 1e-10)
    }
    #expect(maxAbsoluteDifference(e.stateWeights, ref.d) < 1e-10)
    #expect(abs(e.stateWeights.reduce(0, +) - 1) < 1e-13)
    #expect(abs(e.expectedReturn - zip(mdp.initialDistribution, ref.v).map { $0 * $1 }.reduce(0, +)) < 1e-10)
  }

  /// The visitation-weighted PG step is η ∇J (∂J/∂z_{s,a} = d^π(s) π(a|s) A(s,a)/(1−γ)), checked
  /// against finite differences of the test's own iterative evaluation; and entropy(i+1) −
  /// entropy(i) = delta_actual + delta_visitation.
  @Test func mdpPolicyGradientIsTheGradient() throws {
    let g = MersenneTwister(seed: 5)
    let mdp = try TabularMDP.random(states: 4, actions: 3, discount: 0.8, generator: g)
    let z = (0..<4).map { _ in (0..<3).map { _ in g.gaussian() } }
    let trainer = try TabularTrainer(
      environment: mdp, initialLogits: z, rule: .exact(.policyGradient), learningRate: 0.3,
      scaling: .visitationWeighted(discount: 0.8))
    let r0 = try trainer.advance()
    let flat = z.flatMap { $0 }
    let grad = FiniteDifference.gradient(at: flat) { x in
      let v = Self.iterate(mdp, (0..<4).map { Array(x[(3 * $0)..<(3 * $0 + 3)]) }).v
      return zip(mdp.initialDistribution, v).map { $0 * $1 }.reduce(0, +)
    }
    let step = zip(trainer.logits.flatMap { $0 }, flat).map { $0 - $1 }
    #expect(maxAbsoluteDifference(step, grad.map { 0.3 * $0 }) < 1e-8)
    let r1 = try trainer.advance()
    #expect(abs(r1.entropy - r0.entropy - r0.deltaActual - r0.deltaVisitation) < 1e-13)
    #expect(r0.deltaVisitation != 0)
  }

  @Test func badArgumentsNameTheProblem() throws {
    #expect(throws: FiniteMDPError.invalidArgument(argument: "discount", problem: "γ must be in [0, 1), got 1.0")) {
      try TabularMDP(rewards: [[0]], transitions: [[[1]]], discount: 1)
    }
    #expect(throws: TabularPolicyError.self) { try ContextualBandit(rewards: [[1, 2], [1]]) }
    #expect(throws: TabularPolicyError(argument: "learningRate", problem: "η must be finite and > 0, got -1.0")) {
      try TabularTrainer(environment: ContextualBandit(rewards: [1, 0]), initialLogits: [[0, 0]], rule: .exact(.policyGradient), learningRate: -1)
    }
    #expect(throws: TabularPolicyError.self) {
      try TabularTrainer(environment: ContextualBandit(rewards: [1, 0]), initialLogits: [[0, 0]], rule: .sampled(SampledUpdate(samplesPerState: 1)), learningRate: 1)
    }
  }
}
