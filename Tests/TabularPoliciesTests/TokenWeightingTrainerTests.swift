// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing
import _TestSupport

@Suite("Sampled trainer with a TokenWeighting intervention")
struct TokenWeightingTrainerTests {
  func run(_ intervention: EntropyIntervention, epochs: Int) throws -> [Double] {
    var g = SplitMix64(seed: 71)
    let rewards = (0..<3).map { _ in (0..<6).map { _ in Double.random(in: 0..<1, using: &g) } }
    let trainer = try TabularTrainer(
      environment: ContextualBandit(rewards: rewards), initialLogits: (0..<3).map { _ in g.logits(count: 6, scale: 1) },
      rule: .sampled(SampledUpdate(samplesPerState: 8, epochs: epochs, clipLow: 0.2, clipHigh: 0.28, intervention: intervention)),
      learningRate: 0.8, seed: 5)
    return try trainer.run(steps: 40).steps.map(\.entropy)
  }

  /// PPO's clip as a TokenWeighting (w = r·1[not clipped]) reproduces the trainer's own PPO path.
  @Test func ppoClipWeightingEqualsThePlainPPOPath() throws {
    let plain = try run(.none, epochs: 4)
    let generic = try run(.tokenWeighting(PPOClipWeighting(clipLow: 0.2, clipHigh: 0.28)), epochs: 4)
    #expect(plain == generic)  // the same products in the same order: bit-identical
  }

  /// A rule without its own ratio keeps the trainer's PPO clipping: NoIntervention equals `.none`.
  @Test func ratioFreeRulesKeepThePPOSurrogate() throws {
    #expect(try run(.none, epochs: 4) == run(.tokenWeighting(NoIntervention()), epochs: 4))
  }

  /// CISPO keeps the clipped tokens' gradients, so with several epochs it moves differently.
  @Test func cispoDiffersFromPPOWhenRatiosLeaveTheClipRange() throws {
    let plain = try run(.none, epochs: 4)
    let cispo = try run(.tokenWeighting(CISPOWeighting(clipLow: 1, clipHigh: 0.28)), epochs: 4)
    #expect(plain != cispo)
    #expect(EntropyIntervention.tokenWeighting(CISPOWeighting()).name == "cispo")
  }
}
