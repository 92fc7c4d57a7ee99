// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import SoftmaxEntropy
import TabularPolicies
import Testing

@Suite("Rules, interventions and scalings as named values")
struct InterventionKindTests {
  @Test func ruleKindsBuildTheirRules() throws {
    // ppo = GRPO with 4 epochs unless given; reinforce is the exact-baseline estimator.
    guard case .sampled(let ppo) = try UpdateRule(.ppo) else { Issue.record("ppo is sampled"); return }
    #expect(ppo.epochs == 4 && ppo.estimator == .grpo(epsilon: 1e-6))
    guard case .sampled(let reinforce) = try UpdateRule(.reinforce, parameters: .init(epochs: 2)) else { return }
    #expect(reinforce.epochs == 2 && reinforce.estimator == .reinforce)
    guard case .exact(let bonus) = try UpdateRule(.naturalEntropyBonus, parameters: .init(entropyCoefficient: 0.3)) else { return }
    #expect(bonus == .entropyBonus(coefficient: 0.3, natural: true))
    // An entropy-bonus rule without α is refused, naming the parameter.
    #expect(throws: TabularPolicyError.self) { try UpdateRule(.entropyBonus) }
    #expect(UpdateRule.Kind.allCases.filter(\.isSampled) == [.reinforce, .grpo, .ppo])
    #expect(UpdateRule.Kind(rawValue: "natural-temperature") == .naturalTemperature)
    #expect(StateStepScaling.Kind.visitation.scaling(discount: 0.5) == .visitationWeighted(discount: 0.5))
  }

  @Test func everyInterventionKindBuildsWithItsDefaults() throws {
    for kind in EntropyIntervention.Kind.allCases where !kind.needsTarget {
      let intervention = try EntropyIntervention(kind, totalSteps: 10)
      try intervention.validate()
      if kind.rawValue != "steer-linear" && kind.rawValue != "steer-exp" { #expect(intervention.name == kind.rawValue) }
    }
    // polarity has no default target: refused, not trapped.
    #expect(throws: InterventionError.self) { try EntropyIntervention(.polarity, totalSteps: 10) }
    #expect(throws: InterventionError.self) {
      try EntropyIntervention(.polarity, parameters: .init(polarityTarget: -1), totalSteps: 10)
    }
    guard case .clipCov(let r, let lo, let hi) = try EntropyIntervention(.clipCov, totalSteps: 1) else { return }
    #expect(r == 2e-4 && lo == 1 && hi == 5)
    guard case .klCov(let k, _) = try EntropyIntervention(.klCov, totalSteps: 1) else { return }
    #expect(k == 2e-3)
  }

  @Test func interventionParameterErrorsNestInTheTrainerError() throws {
    let bandit = try ContextualBandit(rewards: [1, 0, 0])
    let rule = UpdateRule.sampled(SampledUpdate(intervention: .clipCov(ratio: 0)))
    do {
      _ = try TabularTrainer(environment: bandit, initialLogits: [[0, 0, 0]], rule: rule, learningRate: 0.1)
      Issue.record("a zero Clip-Cov ratio must be refused")
    } catch {
      #expect(error.description == "ratio: Clip-Cov ratio must be in (0, 1], got 0.0")
      guard case .intervention(let inner)? = error.cause else { Issue.record("cause \(String(describing: error.cause))"); return }
      #expect(inner.argument == "ratio")
    }
  }

  @Test func onePolarityFormula() throws {
    // EntropyPolarity.firstOrder is the split P = sampled + correction term summed in one product;
    // they agree to rounding (a few ulps of the terms: tolerance 1e-15 relative to |α|·max|S|).
    let policy = try SoftmaxPolicy(logits: [1.5, 0.2, -0.7, 0.1])
    for token in 0..<4 {
      let split = try EntropyPolarity(policy: policy, token: token, advantage: -0.8, learningRate: 0.3)
      let p = EntropyPolarity.firstOrder(
        stepSize: split.stepSize, discriminator: split.discriminator, expectedDiscriminator: split.expectedDiscriminator)
      #expect(abs(p - split.polarity) <= 1e-15)
    }
  }

  @Test func opefoStepWeightsBalanceTheFlow() throws {
    // Φ+ = 3, Φ− = 1: λ* = (1 − 3)/4 = −0.5; expanding tokens 0.5, contracting 1.5, zero-flow 1.
    let tokens = SampledStepTokens(
      advantages: [1, 1, 1, 1], groupSize: 2, polarities: [2, 1, -1, 0], batchEntropy: 1, step: 0, entropyHistory: [1])
    let w = try EntropyIntervention.flowBalance.stepWeights(tokens)
    #expect(w.lambda == -0.5 && w.weights == [0.5, 0.5, 1.5, 1] && w.touched == 3)
    let none = try EntropyIntervention.none.stepWeights(tokens)
    #expect(none.weights == [1, 1, 1, 1] && none.touched == 0 && none.lambda == nil)
  }
}
