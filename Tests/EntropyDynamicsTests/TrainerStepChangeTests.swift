// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import SoftmaxEntropy
import Testing

/// The pieces the tabular trainer measures its steps with (it used to re-derive them): the change
/// between a policy and the one its own step produced, and the state-weighted sum of such changes.
@Suite("Entropy change between two policies, and the weighted sum a trainer reports")
struct TrainerStepChangeTests {
  /// From a policy to the updated one equals the change of the step itself: the same exact change
  /// (the same updated policy), and predictions of the step recovered as z_new − z_old, which
  /// differs from Δz by at most an ulp of the logits: relative 1e-12 allows that rounding.
  @Test(arguments: [1.0, 0.7])
  func betweenTwoPoliciesIsTheChangeOfTheirStep(temperature: Double) throws {
    let policy = try SoftmaxPolicy(logits: [2, 1, 0, -1, 0.5], temperature: temperature)
    let step = [-0.3, 0.2, 0.05, 0.1, -0.07]
    let direct = try entropyChange(of: policy, logitStep: step)
    let between = try entropyChange(from: policy, to: try policy.updated(byLogitStep: step))
    #expect(between.entropyBefore == direct.entropyBefore && between.entropyAfter == direct.entropyAfter)
    #expect(abs(between.firstOrder - direct.firstOrder) <= 1e-12 * abs(direct.firstOrder))
    #expect(abs(between.secondOrder - direct.secondOrder) <= 1e-12 * abs(direct.secondOrder))
  }

  @Test func policiesThatDoNotMatchAreRefused() throws {
    let policy = try SoftmaxPolicy(logits: [1, 0, -1])
    #expect(throws: SoftmaxError.self) { try entropyChange(from: policy, to: try SoftmaxPolicy(logits: [1, 0])) }
    #expect(throws: SoftmaxError.self) { try entropyChange(from: policy, to: try SoftmaxPolicy(logits: [1, 0, -1], temperature: 2)) }
  }

  /// Weighting given per-state changes equals the rule-based constructor's weighting of the same
  /// changes, bit for bit (one weighted sum).
  @Test func weightedChangesAreTheRuleBasedOnes() throws {
    let policies = try [[1.0, 0, -1], [0.3, 0.2, 0.1], [2, -2, 0]].map { try SoftmaxPolicy(logits: $0) }
    let rewards = [[1.0, 0, 0.5], [0, 1, 0], [0.2, 0.4, 0.9]], weights = [0.5, 0.3, 0.2]
    let byRule = try MultiStateEntropyChange(
      policies: policies, weights: weights, rewards: rewards, rule: .policyGradient, learningRate: 0.4, scaling: .perState)
    let given = try MultiStateEntropyChange(states: byRule.states, weights: weights)
    #expect(given == byRule && given.firstOrder == byRule.firstOrder && given.actual == byRule.actual)
    #expect(throws: SoftmaxError.self) { try MultiStateEntropyChange(states: byRule.states, weights: [0.5, 0.5]) }
    #expect(throws: SoftmaxError.self) { try MultiStateEntropyChange(states: byRule.states, weights: [0.5, -0.3, 0.8]) }
  }
}
