// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy
import TabularPolicies
import Testing
import _TestSupport

@Suite("Exploration metrics: pass@k, effective support")
struct ExplorationMetricsTests {
  /// P(at least one of k i.i.d. draws from π lands in `best`), by enumerating all K^k draws.
  func bruteForcePassAtK(_ pi: [Double], best: Set<Int>, k: Int) -> Double {
    var total = 0.0
    var draw = [Int](repeating: 0, count: k)
    while true {
      if draw.contains(where: best.contains) { total += draw.map { pi[$0] }.reduce(1, *) }
      var j = 0
      while j < k && draw[j] == pi.count - 1 { draw[j] = 0; j += 1 }
      if j == k { break }
      draw[j] += 1
    }
    return total
  }

  @Test func contextualBanditMatchesEnumeration() throws {
    var g = SplitMix64(seed: 51)
    // Two states with tied best rewards in state 0; state weights 0.3 / 0.7.
    let rewards: [[Double]] = [[1, 0.2, 1], [0, 0.5, 0.1]]
    let env = try ContextualBandit(rewards: rewards, stateWeights: [0.3, 0.7])
    let policies = try (0..<2).map { _ in try SoftmaxPolicy(logits: g.logits(count: 3, scale: 1.5)) }
    let m = try ExplorationMetrics(policies: policies, evaluation: env.evaluate(policies))
    for k in [1, 4] {
      let ref = 0.3 * bruteForcePassAtK(policies[0].probabilities, best: [0, 2], k: k)
        + 0.7 * bruteForcePassAtK(policies[1].probabilities, best: [1], k: k)
      // Enumeration sums 3^4 products; the closed form uses log1p/expm1: agreement to 1e-14.
      #expect(abs(m.passAtK["\(k)"]! - ref) < 1e-14)
    }
    let p0 = policies[0].probabilities[0] + policies[0].probabilities[2], p1 = policies[1].probabilities[1]
    for k in [16, 64] {
      let closed = 0.3 * (1 - Double.pow(1 - p0, Double(k))) + 0.7 * (1 - Double.pow(1 - p1, Double(k)))
      #expect(abs(m.passAtK["\(k)"]! - closed) < 1e-13)
    }
    let support = 0.3 * Double.exp(policies[0].entropy) + 0.7 * Double.exp(policies[1].entropy)
    #expect(abs(m.effectiveSupport - support) < 1e-14)
    #expect(m.passAtK["1"]! <= m.passAtK["4"]! && m.passAtK["4"]! <= m.passAtK["64"]!)
  }

  @Test func supportCountsAndExtremes() throws {
    let pi = try SoftmaxPolicy(logits: [0, -5, -8, -20])  // π ≈ 0.993, 6.7e-3, 3.3e-4, 2e-9
    let env = try ContextualBandit(rewards: [0, 0, 1, 0])
    let m = try ExplorationMetrics(policies: [pi], evaluation: env.evaluate([pi]))
    #expect(m.supportAbove1e3 == 2)
    // p ≈ 3.3e-4: pass@1 = p to full relative precision (log1p/expm1 keep it).
    #expect(abs(m.passAtK["1"]! - pi.probabilities[2]) <= 1e-15 * pi.probabilities[2] * 4)
    #expect(ExplorationMetrics.passAtK(bestProbability: 1, k: 64) == 1)
    #expect(ExplorationMetrics.passAtK(bestProbability: 0, k: 64) == 0)
  }

  @Test func everyBanditStepRecordCarriesTheMetrics() throws {
    let trainer = try TabularTrainer(
      environment: ContextualBandit(rewards: [1, 0, 0, 0.5]), initialLogits: [[2, 1, 0, -1]], rule: .exact(.policyGradient),
      learningRate: 0.5)
    let run = try trainer.run(steps: 5)
    for r in run.steps {
      let e = try #require(r.exploration)
      #expect(Set(e.passAtK.keys) == ["1", "4", "16", "64"])
      #expect(0 <= e.passAtK["1"]! && e.passAtK["1"]! <= e.passAtK["4"]! && e.passAtK["64"]! <= 1)
    }
    // pass@1 of a bandit with a unique best arm of reward 1 and others ≤ 0.5 is π(best).
    let first = try SoftmaxPolicy(logits: [2, 1, 0, -1])
    #expect(abs(run.steps[0].exploration!.passAtK["1"]! - first.probabilities[0]) < 1e-15)
  }
}
