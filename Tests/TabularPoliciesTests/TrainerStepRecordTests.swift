// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import SoftmaxEntropy
import TabularPolicies
import Testing

/// The trainer measures its steps with EntropyDynamics (it used to re-derive the weighting).
@Suite("A trainer's step record from EntropyDynamics")
struct TrainerStepRecordTests {
  /// A trainer's record of an exact multi-state step is the weighted sum of the per-state changes
  /// between its policies before and after, at the visitation weights of the step: bit for bit.
  @Test func theTrainersRecordIsTheWeightedSumOfItsStates() throws {
    let problem = try TabularProblem.randomMDP(states: 4, actions: 3, discount: 0.8, seed: 2)
    let trainer = try TabularTrainer(
      environment: problem.environment, initialLogits: problem.initialLogits, rule: try UpdateRule(.policyGradient), learningRate: 0.6)
    let before = trainer.currentPolicies
    let weights = try problem.environment.evaluate(before).stateWeights
    let record = try trainer.advance()
    let changes = try zip(before, trainer.currentPolicies).map { try entropyChange(from: $0, to: $1) }
    let expected = try MultiStateEntropyChange(states: changes, weights: weights)
    #expect(record.deltaActual == expected.actual && record.deltaFirstOrder == expected.firstOrder)
    #expect(record.deltaSecondOrder == expected.secondOrder)
  }
}
