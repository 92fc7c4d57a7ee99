// DeltaH — entropy change of softmax policies.

import ArgumentParser
import TabularPolicies

struct BanditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bandit",
    abstract: "Train a tabular softmax policy on a K-armed (or contextual) bandit and record every step's ΔH.",
    discussion: """
      Either --rewards r1,… --init-logits z1,… (one state), or --arms K --seed s [--states S] to draw \
      r(s,a) ~ U(0,1) and then z0(s,a) ~ N(0,1) from GSL mt19937 seeded with s (uniform state weights). \
      Sampled rules draw actions from a second mt19937 stream seeded with s + 1 (or --sample-seed).
      Step i's deltas describe the update from step i to i + 1: actual, first order −Cov(log π, Δz), \
      second order (+ ½ΔzᵀH Δz).
      """)

  @Option(parsing: .unconditional, help: "Rewards r1,…,rK of a one-state bandit.")
  var rewards: VectorArgument?

  @Option(parsing: .unconditional, help: "Initial logits z1,…,zK (default: zeros with --rewards).")
  var initLogits: VectorArgument?

  @Option(help: "Number of arms K for a random bandit (with --seed).")
  var arms: Int?

  @Option(help: "Number of states S for a random contextual bandit.")
  var states: Int = 1

  @Option(help: "mt19937 seed for the random bandit.")
  var seed: UInt64 = 0

  @Option(help: "mt19937 seed of the sampling stream (default seed + 1).")
  var sampleSeed: UInt64?

  @OptionGroup var training: TrainingOptions

  func validate() throws {
    if rewards != nil && arms != nil { throw ValidationError("give either --rewards or --arms, not both") }
    if rewards == nil && arms == nil { throw ValidationError("give --rewards r1,… (with optional --init-logits) or --arms K --seed s") }
    if let arms, arms < 1 { throw ValidationError("--arms must be ≥ 1, got \(arms)") }
    if states < 1 { throw ValidationError("--states must be ≥ 1, got \(states)") }
    if rewards != nil && states != 1 { throw ValidationError("--states needs --arms (explicit --rewards describe one state)") }
    if let r = rewards, let z = initLogits, r.values.count != z.values.count {
      throw ValidationError("--init-logits has \(z.values.count) values but --rewards has \(r.values.count)")
    }
    if arms != nil && initLogits != nil { throw ValidationError("--init-logits goes with --rewards; --arms draws the logits") }
    try TrainingOptions.checkTableSize(
      states: states, actions: arms ?? rewards?.values.count ?? 1, steps: training.steps, statesName: "--states", actionsName: "--arms")
  }

  func run() throws {
    let problem = try rewards.map { try TabularProblem.bandit(rewards: $0.values, initialLogits: initLogits?.values) }
      ?? TabularProblem.randomBandit(states: states, actions: arms!, seed: seed)
    let k = problem.environment.actionCount
    let description = states == 1 ? "\(k)-armed bandit" : "contextual bandit, \(states) states × \(k) arms"
    try training.train(problem, seed: sampleSeed ?? seed &+ 1, description: description, kind: .bandit)
  }
}
