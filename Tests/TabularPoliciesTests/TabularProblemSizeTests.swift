// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import FiniteMDP
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

  /// A sampled run's work is T × S × K × G × epochs: at 2³⁰ it runs, above it (or on overflow) it
  /// is refused before the first step. Before, `bandit --rule ppo --samples 1048576 --epochs 10000
  /// --steps 10000000` on two arms passed every check and ran for days.
  @Test func theSampledWorkOfARunIsBounded() throws {
    try TabularProblem.checkSampledWork(states: 1, actions: 1 << 10, steps: 1 << 10, samplesPerState: 1 << 5, epochs: 1 << 5)
    let over = #expect(throws: TabularPolicyError.self) {
      try TabularProblem.checkSampledWork(states: 2, actions: 1 << 10, steps: 1 << 10, samplesPerState: 1 << 5, epochs: 1 << 5)
    }
    #expect(over?.argument == "samples_per_state × epochs × steps")
    #expect(throws: TabularPolicyError.self) {
      try TabularProblem.checkSampledWork(states: .max, actions: .max, steps: 2, samplesPerState: 2, epochs: 2)
    }
    let rule = try UpdateRule(.ppo, parameters: .init(samplesPerState: 1 << 20, epochs: 10_000))
    let trainer = try TabularTrainer(environment: try ContextualBandit(rewards: [1, 0]), initialLogits: [[0, 0]], rule: rule, learningRate: 1)
    let refused = #expect(throws: TabularPolicyError.self) { try trainer.run(steps: 10_000_000) }
    #expect(refused?.argument == "samples_per_state × epochs × steps" && trainer.stepCount == 0)
  }

  /// A library caller's step count is bounded before the records are reserved (before: 10¹⁰
  /// steps aborted reserving them), and an exact run's T × S × K work like a problem's.
  @Test func aRunsStepCountIsBoundedInTheTrainer() throws {
    let trainer = try TabularTrainer(
      environment: try ContextualBandit(rewards: [1, 0]), initialLogits: [[0, 0]], rule: try UpdateRule(.policyGradient), learningRate: 1)
    let steps = #expect(throws: TabularPolicyError.self) { try trainer.run(steps: 10_000_000_000) }
    #expect(steps?.argument == "steps" && trainer.stepCount == 0)
    let zeros = [Double](repeating: 0, count: 1 << 20)
    let wide = try TabularTrainer(
      environment: try ContextualBandit(rewards: zeros), initialLogits: [zeros], rule: try UpdateRule(.policyGradient), learningRate: 1)
    // 2¹¹ steps × 2²⁰ logits = 2³¹ > 2³⁰ logit updates.
    #expect(throws: TabularPolicyError.self) { try wide.run(steps: 1 << 11) }
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

  /// The random problems bound their own size before drawing (a library caller's
  /// randomMDP(states: 10⁶, …) used to start allocating S² × K probabilities and abort).
  @Test func randomProblemsRefuseSizesBeyondTheirBounds() throws {
    let mdp = #expect(throws: FiniteMDPError.self) { try TabularProblem.randomMDP(states: 1_000_000, actions: 2, discount: 0.5, seed: 0) }
    #expect(mdp == .invalidArgument(argument: "states × actions", problem: "1000000² × 2 transition probabilities is too large: at most 4194304"))
    #expect(throws: FiniteMDPError.self) { try TabularProblem.randomMDP(states: .max, actions: .max, discount: 0.5, seed: 0) }
    // Just above the bound: 2049² × 1 > 2²² entries.
    #expect(throws: FiniteMDPError.self) { try TabularProblem.randomMDP(states: 2049, actions: 1, discount: 0.5, seed: 0) }
    let bandit = #expect(throws: TabularPolicyError.self) { try TabularProblem.randomBandit(states: 1 << 12, actions: (1 << 10) + 1, seed: 0) }
    #expect(bandit?.argument == "states × actions")
    #expect(throws: TabularPolicyError.self) { try TabularProblem.randomBandit(states: .max, actions: 2, seed: 0) }
  }
}
