// DeltaH — entropy change of softmax policies.

import ArgumentParser
import TabularPolicies

struct MDPCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mdp",
    abstract: "Train a tabular softmax policy on a random discounted MDP (exact V, Q, d^π) and record every step's ΔH.",
    discussion: """
      The MDP is drawn from GSL mt19937 seeded with --seed: r(s,a) ~ U(0,1), P(·|s,a) ~ Dirichlet(1), \
      uniform ρ0; then z0(s,a) ~ N(0,1). Entropy is weighted by the discounted visitation d^π of the \
      current step; delta_actual holds the weights fixed, delta_visitation is the change due to d^π. \
      Sampled rules use the exact Q(s,a) as the sample's reward.
      """)

  @Option(help: "Number of states S (default: 5).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumMDPStates))
  var states: Int = 5

  @Option(help: "Number of actions K (default: 3).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumMDPActions))
  var actions: Int = 3

  @Option(help: "Discount γ in [0, 1) (default: 0.9).", transform: CheckedArgument.discount)
  var gamma: Double = 0.9

  @Option(help: "mt19937 seed of the MDP and the initial logits.")
  var seed: UInt64 = 0

  @OptionGroup var training: TrainingOptions

  func validate() throws {
    try TabularProblem.checkSize(states: states, actions: actions, steps: training.steps, isMDP: true)
  }

  func run() throws {
    let problem = try TabularProblem.randomMDP(states: states, actions: actions, discount: gamma, seed: seed)
    try training.train(problem, problemSeed: seed, kind: .mdp)
  }
}
