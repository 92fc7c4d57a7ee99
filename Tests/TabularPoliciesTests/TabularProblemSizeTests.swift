// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing

@Suite("Problem size limits and rule/intervention combinations owned by the library")
struct TabularProblemSizeTests {
  @Test func aTableAtTheLimitIsAcceptedAndOneBeyondIsRefused() throws {
    try TabularProblem.checkSize(states: 1, actions: TabularProblem.maximumLogits, steps: 1)
    #expect(throws: TabularPolicyError.self) {
      try TabularProblem.checkSize(states: 2, actions: TabularProblem.maximumLogits / 2 + 1, steps: 1)
    }
  }

  @Test func overflowingProductsAreRefusedNotTrapped() {
    let error = #expect(throws: TabularPolicyError.self) {
      try TabularProblem.checkSize(states: Int.max, actions: Int.max, steps: 1)
    }
    #expect(error?.argument == "states × actions")
    let mdp = #expect(throws: TabularPolicyError.self) {
      try TabularProblem.checkSize(states: 3_000_000_000, actions: 1, steps: 1, isMDP: true)
    }
    #expect(mdp?.argument == "states")
  }

  @Test func theWorkOverAllStepsIsBounded() {
    // 1000 × 100 logits × 10⁶ steps = 10¹¹ > 2³⁰ logit updates.
    let error = #expect(throws: TabularPolicyError.self) {
      try TabularProblem.checkSize(states: 100, actions: 1000, steps: 1_000_000)
    }
    #expect(error?.argument == "steps")
  }

  @Test func anMDPCountsSSquaredTimesKLogitsAndItsOwnLimits() throws {
    // 2048² × 1 = 2²² logits: at the limit as an MDP; 2049² × 1 is beyond it.
    try TabularProblem.checkSize(states: 2048, actions: 1, steps: 1, isMDP: true)
    #expect(throws: TabularPolicyError.self) { try TabularProblem.checkSize(states: 2049, actions: 1, steps: 1, isMDP: true) }
    let actions = #expect(throws: TabularPolicyError.self) {
      try TabularProblem.checkSize(states: 1, actions: TabularProblem.maximumMDPActions + 1, steps: 1, isMDP: true)
    }
    #expect(actions?.argument == "actions")
  }

  @Test func anExactRuleRefusesAnIntervention() throws {
    // Before: the exact rules ignored an intervention silently (the CLI refused it).
    let error = #expect(throws: TabularPolicyError.self) {
      try UpdateRule(.policyGradient, intervention: try EntropyIntervention(.clipCov, totalSteps: 10))
    }
    #expect(error?.argument == "intervention")
    _ = try UpdateRule(.grpo, intervention: try EntropyIntervention(.clipCov, totalSteps: 10))
    _ = try UpdateRule(.policyGradient, intervention: .none)
  }
}
