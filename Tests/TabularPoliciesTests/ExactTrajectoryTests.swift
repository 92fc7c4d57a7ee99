// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import GSLSupport
import RealModule
import SoftmaxEntropy
import TabularPolicies
import Testing
import _TestSupport

@Suite("Exact tabular updates against an independent implementation")
struct ExactTrajectoryTests {
  /// A K = 10 bandit from the test's own generator (independent of the library's draws).
  static func bandit(seed: UInt64) -> (z: [Double], r: [Double]) {
    var g = SplitMix64(seed: seed)
    let z = g.logits(count: 10, scale: 1)
    let r = (0..<10).map { _ in Double.random(in: 0..<1, using: &g) }
    return (z, r)
  }

  @Test func referenceDerivativesMatchFiniteDifferences() {
    let (z, r) = Self.bandit(seed: 3)
    // ∇H and ∇J by Richardson central differences (error ~1e-12) against the reference closed forms.
    let fdH = FiniteDifference.gradient(at: z) { referenceEntropy($0) }
    #expect(maxAbsoluteDifference(fdH, Reference.entropyGradient(z)) < 1e-9)
    let fdJ = FiniteDifference.gradient(at: z) { x in zip(referenceSoftmax(x), r).map { $0 * $1 }.reduce(0, +) }
    let pg = Reference.step(.pg, z: z, r: r, eta: 1, h: 0)
    #expect(maxAbsoluteDifference(fdJ, pg) < 1e-9)
    // ½ dᵀ∇²H d by the symmetric difference [H(z+εd) + H(z−εd) − 2H(z)] / (2ε²), error O(ε²).
    let d = Reference.step(.npg, z: z, r: r, eta: 1, h: 0)
    let eps = 1e-3
    let h0 = referenceEntropy(z)
    let sym = (referenceEntropy(zip(z, d).map { $0 + eps * $1 }) + referenceEntropy(zip(z, d).map { $0 - eps * $1 }) - 2 * h0) / (2 * eps * eps)
    #expect(abs(sym - Reference.secondOrderTerm(z, d)) < 1e-5)
  }

  static let rules: [(String, Reference.Rule, ExactUpdate, Double)] = [
    ("pg", .pg, .policyGradient, 1),
    ("npg", .npg, .naturalPolicyGradient, 0.1),
    ("bonus", .bonus(alpha: 0.05, natural: false), .entropyBonus(coefficient: 0.05, natural: false), 1),
    ("natural bonus", .bonus(alpha: 0.05, natural: true), .entropyBonus(coefficient: 0.05, natural: true), 0.1),
    ("temperature", .temperature(alpha: 0.3, target: 1.5, high: 1.2, low: 0.8, natural: false),
     .temperatureReinforcement(try! TemperatureReinforcement(coefficient: 0.3, targetEntropy: 1.5)), 1),
    ("natural temperature", .temperature(alpha: 0.02, target: 1.5, high: 1.2, low: 0.8, natural: true),
     .temperatureReinforcement(try! TemperatureReinforcement(coefficient: 0.02, targetEntropy: 1.5, natural: true)), 0.1),
  ]

  /// Every exact rule, 300 steps on a K = 10 bandit: the library agrees with the reference to 1e-9
  /// (both are exact in Double; differences are rounding accumulated over the trajectory).
  @Test(arguments: 0..<6)
  func libraryMatchesReferenceStepByStep(index: Int) throws {
    let (name, ref, exact, eta) = Self.rules[index]
    let (z, r) = Self.bandit(seed: 11)
    let rows = Reference.trajectory(ref, z0: z, r: r, eta: eta, steps: 300)
    let trainer = try TabularTrainer(
      environment: ContextualBandit(rewards: r), initialLogits: [z], rule: .exact(exact), learningRate: eta)
    let run = try trainer.run(steps: 300)
    var worst = 0.0
    for (a, b) in zip(run.steps, rows) {
      for (x, y) in [(a.entropy, b.entropy), (a.reward, b.reward), (a.deltaActual, b.actual),
                     (a.deltaFirstOrder, b.first), (a.deltaSecondOrder, b.second)] {
        worst = max(worst, abs(x - y))
      }
    }
    #expect(worst < 1e-9, "\(name): worst difference \(worst)")
    // The recorded flows split the first-order term exactly: Φ+ − Φ− = first order.
    for s in run.steps { #expect(abs(s.expandingFlow - s.contractingFlow - s.deltaFirstOrder) < 1e-13) }
  }

  static func specRun(_ rule: PolicyGradientRule, eta: Double, seed: UInt64) throws -> PredictionAccuracy {
    let g = MersenneTwister(seed: seed)
    let z = (0..<10).map { _ in g.gaussian() }
    let r = (0..<10).map { _ in g.uniform() }
    let trainer = try TabularTrainer(
      environment: ContextualBandit(rewards: r), initialLogits: [z],
      rule: .exact(rule == .policyGradient ? .policyGradient : .naturalPolicyGradient), learningRate: eta)
    return try trainer.run(steps: 300).predictionAccuracy
  }

  /// docs/theory.md#checkable-pg-npg protocol (K = 10, z0 ~ N(0,1) then r ~ U(0,1) from one seed-0 stream, 300 exact
  /// steps): Pearson(first order, actual) > 0.996 and max second-order error ≥ 10× below the
  /// first-order one, in all four settings (docs/theory.md: 0.99983 / 0.99668 / 0.99990 / 0.99827).
  @Test(arguments: [(PolicyGradientRule.policyGradient, 1.0), (.policyGradient, 5.0), (.naturalPolicyGradient, 0.1), (.naturalPolicyGradient, 0.5)])
  func specBanditAccuracy(rule: PolicyGradientRule, eta: Double) throws {
    let acc = try Self.specRun(rule, eta: eta, seed: 0)
    #expect(acc.pearson > 0.996, "\(rule) η=\(eta): Pearson \(acc.pearson)")
    #expect(acc.maxSecondOrderError * 10 <= acc.maxFirstOrderError, "\(rule) η=\(eta): \(acc)")
  }

  /// The same over ten seeds, asserting only what holds on every seed: the small steps (PG η = 1,
  /// NPG η = 0.1) keep Pearson > 0.996 and a ≥ 10× second-order gain in max error; the large ones
  /// (PG η = 5, NPG η = 0.5) keep Pearson > 0.98 and the second order is still better in max and
  /// mean error. (Measured: PG η = 5 ranges 0.982–0.998 over seeds 0–9, so docs/theory.md's 0.99668 is
  /// one draw, not a bound.)
  @Test(arguments: [(PolicyGradientRule.policyGradient, 1.0), (.policyGradient, 5.0), (.naturalPolicyGradient, 0.1), (.naturalPolicyGradient, 0.5)])
  func specBanditAccuracyOverSeeds(rule: PolicyGradientRule, eta: Double) throws {
    let small = (rule == .policyGradient && eta == 1) || (rule == .naturalPolicyGradient && eta == 0.1)
    for seed in 0..<10 as Range<UInt64> {
      let acc = try Self.specRun(rule, eta: eta, seed: seed)
      #expect(acc.pearson > (small ? 0.996 : 0.98), "\(rule) η=\(eta) seed \(seed): Pearson \(acc.pearson)")
      #expect(acc.maxSecondOrderError * (small ? 10 : 1) <= acc.maxFirstOrderError, "\(rule) η=\(eta) seed \(seed): \(acc)")
      #expect(acc.meanSecondOrderError <= acc.meanFirstOrderError)
    }
  }

  /// Contextual bandit with weights d(s): the visitation-weighted PG step is η d(s) π_s ⊙ A_s (the
  /// exact gradient of J, checked by finite differences), and entropy is Σ_s d(s) H_s.
  @Test func contextualBanditVisitationWeighted() throws {
    let r: [[Double]] = [[1, 0, 0.5], [0, 0.2, 0.9], [0.3, 0.3, 0]]
    let d = [0.5, 0.3, 0.2]
    let z: [[Double]] = [[0.1, -0.2, 0.3], [1, 0, -1], [0, 0, 0.5]]
    let bandit = try ContextualBandit(rewards: r, stateWeights: d)
    let trainer = try TabularTrainer(
      environment: bandit, initialLogits: z, rule: .exact(.policyGradient), learningRate: 0.7,
      scaling: .visitationWeighted(discount: 0))
    let record = try trainer.advance()
    let j = { (zz: [[Double]]) in (0..<3).map { s in d[s] * zip(referenceSoftmax(zz[s]), r[s]).map { $0 * $1 }.reduce(0, +) }.reduce(0, +) }
    let flat = z.flatMap { $0 }
    let grad = FiniteDifference.gradient(at: flat) { x in j([Array(x[0..<3]), Array(x[3..<6]), Array(x[6..<9])]) }
    let step = zip(trainer.logits.flatMap { $0 }, flat).map { $0 - $1 }
    #expect(maxAbsoluteDifference(step, grad.map { 0.7 * $0 }) < 1e-9)
    #expect(abs(record.entropy - (0..<3).map { d[$0] * referenceEntropy(z[$0]) }.reduce(0, +)) < 1e-14)
    #expect(abs(record.reward - j(z)) < 1e-14)
    let after = (0..<3).map { d[$0] * referenceEntropy(trainer.logits[$0]) }.reduce(0, +)
    #expect(abs(record.deltaActual - (after - record.entropy)) < 1e-14)
    #expect(record.deltaVisitation == 0)
  }

  /// The entropy–performance fit recovers a synthetic law (docs/theory.md#entropy-performance-law: a = 0.12, b = 0.55;
  /// its quoted draw is checked in EntropyPerformanceNotebookDrawTests): noise-free it is exact; with ±1e-3 noise within 3e-3.
  @Test func entropyPerformanceFit() throws {
    let h = (0..<50).map { 2.0 * Double($0) / 49 }
    let exact = try EntropyPerformanceFit(entropies: h, rewards: h.map { -0.12 * Double.exp($0) + 0.55 })
    #expect(abs(exact.a - 0.12) < 1e-12 && abs(exact.b - 0.55) < 1e-12 && abs(exact.ceiling - 0.43) < 1e-12)
    var g = SplitMix64(seed: 5)
    let noisy = try EntropyPerformanceFit(entropies: h, rewards: h.map { -0.12 * Double.exp($0) + 0.55 + 1e-3 * g.normal() })
    #expect(abs(noisy.a - 0.12) < 3e-3 && abs(noisy.b - 0.55) < 3e-3)
    #expect(noisy.rootMeanSquareError > 5e-4 && noisy.rootMeanSquareError < 2e-3)
    #expect(throws: TabularPolicyError.self) { try EntropyPerformanceFit(entropies: [1, 1, 1], rewards: [0, 1, 2]) }
  }
}
