// DeltaH — entropy change of softmax policies.

import ArgumentParser
import TabularPolicies

/// The bandit of `deltah bandit` and `deltah sweep`: explicit one-state rewards, or a random
/// (contextual) bandit drawn from a seed.
struct BanditProblemOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Rewards r1,…,rK of a one-state bandit.", transform: CheckedArgument.finiteList)
  var rewards: [Double]?

  @Option(help: "Number of arms K for a random bandit (with --seed).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumLogits))
  var arms: Int?

  @Option(help: "Number of states S for a random contextual bandit (default: 1).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumLogits))
  var states: Int = 1

  @Option(help: "mt19937 seed of the random bandit or MDP.")
  var seed: UInt64 = 0

  func validate() throws {
    if (rewards == nil) == (arms == nil) { throw ValidationError("give --rewards r1,… or --arms K --seed s (one of them)") }
    if rewards != nil && states != 1 { throw ValidationError("--states needs --arms (explicit --rewards describe one state)") }
  }

  /// The number of actions K.
  var actions: Int { arms ?? rewards?.count ?? 1 }

  /// The bandit with initial logits z₀ (explicit rewards: `initialLogits` or zeros; random: drawn).
  func problem(initialLogits: [Double]? = nil) throws -> TabularProblem {
    try rewards.map { try TabularProblem.bandit(rewards: $0, initialLogits: initialLogits) }
      ?? TabularProblem.randomBandit(states: states, actions: actions, seed: seed)
  }
}
