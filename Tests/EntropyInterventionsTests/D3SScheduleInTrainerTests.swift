// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import GSLSupport
import Testing

/// D³S's ratios follow their schedule in the trainer (p, q: 0.5 → 1 over 100 steps). Before, the
/// bandit/mdp rule was built at t = 0 and never told the step, so it dropped half the rollouts
/// and half the tokens for the whole run.
@Suite("D³S: the trainer advances its schedule")
struct D3SScheduleInTrainerTests {
  func epoch(step: Int) -> EpochTokens {
    EpochTokens(
      logProbabilities: [-0.1, -2, -0.5, -1, -3, -0.2, -0.7, -1.5], oldLogProbabilities: [-0.1, -2, -0.5, -1, -3, -0.2, -0.7, -1.5],
      advantages: [1, -1, 0.5, -0.5, 2, -2, 0.3, -0.3], entropies: [0.1, 0.1, 0.9, 0.9, 0.5, 0.5, 0.7, 0.7],
      clipped: Array(repeating: false, count: 8), surrogate: Array(repeating: 1, count: 8), groupSize: 4, step: step)
  }

  @Test func fromStep100EveryTokenIsKept() throws {
    let d3s = try EntropyIntervention(.d3s, totalSteps: 200)
    let late = try d3s.epochAdjustment(epoch(step: 100), generator: MersenneTwister(seed: 1))
    #expect(late.coefficients == epoch(step: 100).advantages)
    let early = try d3s.epochAdjustment(epoch(step: 0), generator: MersenneTwister(seed: 1))
    #expect(early.coefficients!.filter { $0 == 0 }.count == 6)  // q·G = 2 of 4 per group, then ⌈0.5·4⌉ = 2 tokens
  }
}
