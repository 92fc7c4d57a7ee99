// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import GSLSupport
import Testing

/// The trainer's two forking arms share the paper's normaliser (the number of kept tokens):
/// before, `forking` weighed its kept tokens N/N_kept but `forking-bottom` 1, so the ablation arm
/// trained at N_kept/N of the paper's strength.
@Suite("forking-bottom in the trainer: kept tokens weigh N/N_kept")
struct ForkingBottomNormaliserTests {
  /// Six tokens in three states of two, entropies 0.1, 0.9, 0.5 by state.
  let epoch = EpochTokens(
    logProbabilities: [-0.1, -2, -0.5, -1, -3, -0.2], oldLogProbabilities: [-0.2, -2, -0.4, -1, -2.5, -0.2],
    advantages: [1, -1, 0.5, -0.5, 2, -2], entropies: [0.1, 0.1, 0.9, 0.9, 0.5, 0.5],
    clipped: [false, false, false, false, true, false], surrogate: [1.1, 1, 0.9, 1, 0, 1], groupSize: 2)

  @Test func bottomArmRenormalisesLikeTheTopArm() throws {
    // ρ = 1/3: τ keeps the two tokens of the 0.9 state on top; the bottom arm keeps the other four
    // at N/N_kept = 6/4, times the surrogate r·1[not clipped] and A.
    let bottom = try EntropyIntervention(.forkingBottom, parameters: .init(forkingRatio: 1.0 / 3), totalSteps: 10)
    let a = try bottom.epochAdjustment(epoch, generator: MersenneTwister(seed: 1))
    let expected = (0..<6).map { i in [2, 3].contains(i) ? 0 : 1.5 * epoch.surrogate[i] * epoch.advantages[i] }
    #expect(a.coefficients == expected)
    let top = try EntropyIntervention(.forking, parameters: .init(forkingRatio: 1.0 / 3), totalSteps: 10)
    #expect(try top.epochAdjustment(epoch, generator: MersenneTwister(seed: 1)).weights == [0, 0, 3, 3, 0, 0])
  }

  /// Equal entropies keep nothing in the bottom arm: all weights 0, no division by zero.
  @Test func emptyBottomArmWeighsNothing() throws {
    let t = try TokenBatch(logProbabilities: [-1, -2, -3], advantages: [1, -1, 0.5], entropies: [0.4, 0.4, 0.4])
    #expect(try ForkingTokenWeighting(arm: .bottom, normalisesOverKept: true).weights(for: t) == [0, 0, 0])
    #expect(try ForkingTokenWeighting(arm: .top, normalisesOverKept: true).weights(for: t) == [1, 1, 1])
  }
}
