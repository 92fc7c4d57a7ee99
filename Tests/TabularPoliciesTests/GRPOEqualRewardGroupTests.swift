// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing

/// A GRPO group whose samples all earned the same reward carries no signal: its advantages are
/// exactly 0, whatever the std ε. Before, with `--grpo-epsilon 0` the rounding residue of the
/// group mean (3·0.1/3 ≠ 0.1) divided by a std of the same size gave advantages of ±O(1): on the
/// bandit 0.1, 0.1, 0.1 with G = 3 the entropy fell by 0.024 in the first step; an exact 0/0 made the
/// update fail with "logit step[0] is -nan".
@Suite("GRPO: equal-reward groups have zero advantage")
struct GRPOEqualRewardGroupTests {
  @Test func equalRewardsLeaveThePolicyUnchanged() throws {
    for (rewards, g) in [([0.1, 0.1, 0.1], 3), ([1.0, 1.0, 1.0], 4)] {
      let trainer = try TabularTrainer(
        environment: ContextualBandit(rewards: [rewards]), initialLogits: [[0.3, -0.2, 0.1]],
        rule: .sampled(SampledUpdate(estimator: .grpo(epsilon: 0), samplesPerState: g)), learningRate: 0.5, seed: 2)
      let run = try trainer.run(steps: 5)
      #expect(run.steps.allSatisfy { $0.deltaActual == 0 }, "\(rewards)")
    }
  }
}
