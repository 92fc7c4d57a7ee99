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

  @OptionGroup var problem: BanditProblemOptions

  @Option(parsing: .unconditional, help: "Initial logits z1,…,zK (default: zeros with --rewards).", transform: CheckedArgument.finiteList)
  var initLogits: [Double]?

  @OptionGroup var training: TrainingOptions

  func validate() throws {
    if problem.arms != nil && initLogits != nil { throw ValidationError("--init-logits goes with --rewards; --arms draws the logits") }
    if let r = problem.rewards, let z = initLogits, r.count != z.count {
      throw ValidationError("--init-logits has \(z.count) values but --rewards has \(r.count)")
    }
    try TabularProblem.checkSize(states: problem.states, actions: problem.actions, steps: training.steps)
  }

  func run() throws {
    try training.train(try problem.problem(initialLogits: initLogits), problemSeed: problem.seed, kind: .bandit)
  }
}
