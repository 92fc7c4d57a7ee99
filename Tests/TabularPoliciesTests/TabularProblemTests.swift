// DeltaH — entropy change of softmax policies.

import GSLSupport
import TabularPolicies
import Testing

@Suite("Tabular problems drawn from one seed")
struct TabularProblemTests {
  @Test func randomProblemsDrawTheEnvironmentThenTheLogits() throws {
    // The bandit's rewards come first on the stream, then z₀ ~ N(0, 1) state by state.
    let problem = try TabularProblem.randomBandit(states: 2, actions: 3, seed: 7)
    let generator = MersenneTwister(seed: 7)
    let bandit = try ContextualBandit.random(states: 2, actions: 3, generator: generator)
    let logits = (0..<2).map { _ in (0..<3).map { _ in generator.gaussian() } }
    #expect(problem.initialLogits == logits)
    #expect((problem.environment as? ContextualBandit)?.rewards == bandit.rewards)
    let mdp = try TabularProblem.randomMDP(states: 3, actions: 2, discount: 0.9, seed: 4)
    let again = try TabularProblem.randomMDP(states: 3, actions: 2, discount: 0.9, seed: 4)
    #expect(mdp.initialLogits == again.initialLogits && mdp.environment.discount == 0.9)
  }

  @Test func explicitBanditsDefaultToZeroLogitsAndCheckTheirCount() throws {
    #expect(try TabularProblem.bandit(rewards: [1, 0, 0.5]).initialLogits == [[0, 0, 0]])
    #expect(throws: TabularPolicyError.self) { try TabularProblem.bandit(rewards: [1, 0], initialLogits: [0, 0, 0]) }
  }

  /// One wording of each problem, which `bandit`, `mdp` and `sweep` all print (they used to spell
  /// three different ones, and `mdp` left out the seed).
  @Test func descriptionsNameTheProblemAndItsSeed() throws {
    #expect(try TabularProblem.bandit(rewards: [1, 0, 0.5]).description == "3-armed bandit, r = 1,0,0.5")
    #expect(try TabularProblem.bandit(rewards: Array(repeating: 0, count: 17)).description == "17-armed bandit")
    #expect(try TabularProblem.randomBandit(states: 1, actions: 4, seed: 7).description == "random 4-armed bandit, seed 7")
    #expect(
      try TabularProblem.randomBandit(states: 3, actions: 4, seed: 7).description
        == "random contextual bandit, 3 states × 4 arms, seed 7")
    #expect(
      try TabularProblem.randomMDP(states: 5, actions: 3, discount: 0.9, seed: 0).description
        == "random MDP, 5 states × 3 actions, γ = 0.9, seed 0")
  }
}
