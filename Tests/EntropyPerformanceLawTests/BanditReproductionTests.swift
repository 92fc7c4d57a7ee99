// DeltaH — entropy change of softmax policies.

import EntropyPerformanceLaw
import GSLSupport
import Testing
import TabularPolicies

/// Cui et al. §2.5: fitting the law on the first 15 % of a run predicts the rest — for PG-like
/// rules. Contextual bandit S = 20 × K = 10 (r ~ U(0,1), z0 ~ N(0,1), seed 0), 400 exact steps
/// (the README's figures use S = 50 and three seeds; S = 20 keeps the debug-build test short).
@Suite("Entropy–performance law on tabular runs")
struct BanditReproductionTests {
  func run(_ rule: UpdateRule, lr: Double, seed: UInt64, states: Int = 20) throws -> LawObservations {
    let g = MersenneTwister(seed: seed)
    let bandit = try ContextualBandit.random(states: states, actions: 10, generator: g)
    let z = (0..<states).map { _ in (0..<10).map { _ in g.gaussian() } }
    let r = try TabularTrainer(environment: bandit, initialLogits: z, rule: rule, learningRate: lr, seed: seed &+ 1).run(steps: 400)
    return LawObservations(
      steps: (0...400).map(Double.init), entropies: r.steps.map(\.entropy) + [r.finalEntropy],
      performances: r.steps.map(\.reward) + [r.finalReward], source: "bandit", format: "test",
      entropyColumn: "entropy", performanceColumn: "reward", stepColumn: "step")
  }

  /// Measured with S = 20: PG η = 2 holdout RMSE 0.0028 / 0.0170 / 0.0022 for seeds 0 / 1 / 2 on
  /// rewards in [0, 1]; NPG η = 0.1 0.100 / 0.122 / 0.071, with a ceiling above the largest
  /// possible reward. Thresholds: PG < 0.02, NPG > 0.05 and > 5× PG.
  @Test func earlyFitPredictsTheRestForPGButNotNPG() throws {
    let seed: UInt64 = 0
    let options = EntropyPerformanceLaw.Options(fitFraction: 0.15, bootstrapResamples: 100)
    let pg = try EntropyPerformanceLaw(observations: run(.exact(.policyGradient), lr: 2, seed: seed), options: options)
    let npg = try EntropyPerformanceLaw(observations: run(.exact(.naturalPolicyGradient), lr: 0.1, seed: seed), options: options)
    #expect(pg.fitCount == 60)
    #expect(pg.holdoutRMSE! < 0.02, "PG holdout RMSE \(pg.holdoutRMSE!)")
    #expect(npg.holdoutRMSE! > 0.05 && npg.holdoutRMSE! > 5 * pg.holdoutRMSE!, "NPG \(npg.holdoutRMSE!) vs PG \(pg.holdoutRMSE!)")
    // Rewards lie in [0, 1]: NPG's extrapolated ceiling exceeds what any policy can reach.
    #expect(npg.ceiling > 1)
    #expect(pg.ceiling < 1)
  }
}
