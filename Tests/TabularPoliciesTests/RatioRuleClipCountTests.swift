// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing
import _TestSupport

/// `ppo_clipped` under the token weightings that carry the importance ratio: they replace PPO's
/// surrogate, so the count is what their own weight removed. Before, the trainer counted its PPO
/// clip at (ε_l, ε_h) although the rule ignored it: CISPO (which never removes a token) and the
/// annealed KL-Cov (no clip, like KL-Cov, which counted 0) reported clipped tokens, and BAPO the
/// tokens outside the fixed range instead of its adapted one.
@Suite("Clip count of ratio-carrying rules")
struct RatioRuleClipCountTests {
  func run(_ intervention: EntropyIntervention) throws -> TrainingRun {
    var g = SplitMix64(seed: 29)
    let rewards = (0..<3).map { _ in (0..<6).map { _ in Double.random(in: 0..<1, using: &g) } }
    let trainer = try TabularTrainer(
      environment: ContextualBandit(rewards: rewards), initialLogits: (0..<3).map { _ in g.logits(count: 6, scale: 1) },
      rule: .sampled(SampledUpdate(samplesPerState: 8, epochs: 4, clipLow: 0.2, clipHigh: 0.2, intervention: intervention)),
      learningRate: 1.5, seed: 3)
    return try trainer.run(steps: 30)
  }

  func clipped(_ run: TrainingRun) -> [Int] { run.steps.map(\.ppoClipped) }

  @Test func rulesWithoutARemovalCountNothing() throws {
    // The plain PPO run does clip here, so the settings leave the clip range.
    #expect(clipped(try run(.none)).reduce(0, +) > 0)
    #expect(clipped(try run(.tokenWeighting(CISPOWeighting()))).allSatisfy { $0 == 0 })
    #expect(clipped(try run(.tokenWeighting(KLCovAnnealing()))).allSatisfy { $0 == 0 })
    #expect(clipped(try run(.klCov())).allSatisfy { $0 == 0 })
  }

  /// PPO's clip as a token weighting reproduces the plain run, its clip count included.
  @Test func ppoClipWeightingCountsThePlainClip() throws {
    let plain = try run(.none)
    let generic = try run(.tokenWeighting(PPOClipWeighting(clipLow: 0.2, clipHigh: 0.2)))
    #expect(generic.steps.map(\.entropy) == plain.steps.map(\.entropy))
    #expect(clipped(generic) == clipped(plain))
  }

  /// BAPO and HAPO count their own clip: with ranges that never clip, nothing (the trainer's
  /// PPO clip at 0.2 would have counted tokens).
  @Test func adaptiveClipsCountTheirOwnRange() throws {
    let wideBAPO = BAPOClipping(lowerRange: (1e-9, 1e-9), upperRange: (1e9, 1e9))
    #expect(clipped(try run(.tokenWeighting(wideBAPO))).allSatisfy { $0 == 0 })
    let wideHAPO = HAPOAdaptiveClipping(clipHighRange: (1e9, 1e9), clipLowRange: (1, 1))
    #expect(clipped(try run(.tokenWeighting(wideHAPO))).allSatisfy { $0 == 0 })
    #expect(clipped(try run(.tokenWeighting(BAPOClipping()))).reduce(0, +) > 0)
  }
}
