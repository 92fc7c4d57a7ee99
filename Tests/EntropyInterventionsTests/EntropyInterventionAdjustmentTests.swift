// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import GSLSupport
import Testing

@Suite("EntropyIntervention: step weights and epoch adjustments of a sampled batch")
struct EntropyInterventionAdjustmentTests {
  /// Six tokens in three groups of two; token 4 is the only PPO-clipped one.
  func epoch(centred: [Double]? = nil) -> EpochTokens {
    EpochTokens(
      logProbabilities: [-0.1, -2, -0.5, -1, -3, -0.2], oldLogProbabilities: [-0.2, -2, -0.4, -1, -2.5, -0.2],
      advantages: [1, -1, 0.5, -0.5, 2, -2], entropies: [0.1, 0.1, 0.9, 0.9, 0.5, 0.5],
      clipped: [false, false, false, false, true, false], surrogate: [1, 1, 1, 1, 0, 1], groupSize: 2,
      centredProducts: centred)
  }

  @Test func forkingKeepsTheHighEntropyStatesAndRenormalises() throws {
    // ρ = 1/3 of 6 tokens: the two tokens of the highest-entropy state stay, weight N/N_kept = 3.
    let a = try EntropyIntervention.forkingTokens(ratio: 1.0 / 3).epochAdjustment(epoch(), generator: MersenneTwister(seed: 1))
    #expect(a.weights == [0, 0, 3, 3, 0, 0] && a.touched == 4 && a.coefficients == nil)
    #expect(a.penalties == Array(repeating: 0, count: 6))
  }

  @Test func klCovPenalisesTheTopCovarianceToken() throws {
    // ⌊0.2·6⌋ = 1 token, the largest centred product (index 2), gets β·sign(ℓ − ℓ_old) = 2·(−1).
    let a = try EntropyIntervention.klCov(ratio: 0.2, coefficient: 2)
      .epochAdjustment(epoch(centred: [0.1, 0.2, 0.9, -0.3, 0.05, 0]), generator: MersenneTwister(seed: 1))
    #expect(a.touched == 1 && a.weights == Array(repeating: 1, count: 6))
    #expect(a.penalties[2] == KLCovSelection.penaltySlope(logProbability: -0.5, oldLogProbability: -0.4, coefficient: 2))
    #expect(a.penalties.enumerated().allSatisfy { $0.offset == 2 || $0.element == 0 })
    #expect(!EntropyIntervention.klCov().usesClipping && EntropyIntervention.clipCov().usesClipping)
  }

  @Test func covarianceRulesNeedTheCentredProducts() {
    #expect(EntropyIntervention.clipCov().needsCentredProducts)
    #expect(throws: InterventionError.self) {
      try EntropyIntervention.clipCov().epochAdjustment(epoch(), generator: MersenneTwister(seed: 1))
    }
  }

  @Test func entrocraftKeepsTheAdvantageSignItsDirectionAllows() throws {
    // Entropy 1 is above the start band (0.6, 0.7): m = +1 keeps the A ≥ 0 token of each group,
    // which weighs 1 (no renormalisation over the kept set); the A < 0 tokens get 0.
    let controller = try EntrocraftController(totalSteps: 10)
    let m = controller.direction(entropy: 1, step: 0)
    #expect(m == 1)
    let tokens = SampledStepTokens(
      advantages: [1, -1, 0.5, -0.5, 2, -2], groupSize: 2, polarities: Array(repeating: 0, count: 6), batchEntropy: 1,
      step: 0, entropyHistory: [1])
    let w = try EntropyIntervention.entrocraft(controller).stepWeights(tokens)
    let keep = (0..<3).flatMap { s in EntrocraftController.keepMask(advantages: Array(tokens.advantages[(2 * s)..<(2 * s + 2)]), direction: m) }
    #expect(keep == [true, false, true, false, true, false])
    #expect(w.weights == [1, 0, 1, 0, 1, 0] && w.touched == 3 && w.lambda == nil)
  }

  @Test func whatEachInterventionReads() {
    // A trainer skips the epoch adjustment and the history copy unless the intervention uses them.
    #expect(!EntropyIntervention.none.adjustsEpochs && !EntropyIntervention.flowBalance.adjustsEpochs)
    #expect(EntropyIntervention.steer(.linear()).adjustsEpochs && EntropyIntervention.tokenWeighting(CISPOWeighting()).adjustsEpochs)
    #expect(EntropyIntervention.tokenWeighting(KLCovAnnealing()).needsEntropyHistory)
    #expect(EntropyIntervention.tokenWeighting(EPOEntropySmoothing(history: [])).needsEntropyHistory)
    #expect(!EntropyIntervention.tokenWeighting(CISPOWeighting()).needsEntropyHistory && !EntropyIntervention.none.needsEntropyHistory)
    let identity = EpochAdjustment.identity(tokens: 3)
    #expect(identity.weights == [1, 1, 1] && identity.penalties == [0, 0, 0] && identity.coefficients == nil && identity.touched == 0)
  }
}
