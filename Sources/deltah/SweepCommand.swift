// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyInterventions
import LogitDumps
import Reports
import TabularPolicies

struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Interventions × seeds × sampled rules on a toy bandit or MDP: mean ± 95 % interval of final H, J, collapse time, pass@k, Pearson.",
    discussion: """
      The bandit is --rewards r1,… (one state, zero initial logits) or --arms K [--states S] --seed s \
      (as `deltah bandit`); with --mdp, the random MDP of `deltah mdp --states S --actions K --gamma γ \
      --seed s` (K = --arms; run 1 uses that command's default sampling seed s + 1). Run j of a cell samples with mt19937 seed s + 1 + j. Each intervention \
      uses its library defaults (README methods table); entrocraft anneals over --steps. Runs are \
      independent and use --threads cores; the output does not depend on the thread count.
      """)

  @OptionGroup var problem: BanditProblemOptions

  @Flag(help: "Sweep on the random discounted MDP of `deltah mdp` (S = --states, K = --arms, γ = --gamma) instead of a bandit.")
  var mdp = false

  @Option(help: "Discount γ in [0, 1) of --mdp (default: 0.9).", transform: CheckedArgument.discount)
  var gamma: Double?

  @Option(help: "Runs (sampling seeds seed + 1 … seed + runs) per cell (default: 5).", transform: CheckedArgument.integer(in: 1...InterventionSweep.maximumRuns))
  var runs: Int = 5

  @Option(help: "Comma-separated interventions (names as in `deltah bandit --intervention`; not polarity, which needs a target).")
  var interventions = NameList<EntropyIntervention.Kind>(
    [.none, .clipCov, .klCov, .steerLinear, .opefo, .entrocraft, .forking, .cispo, .lpReg, .covarianceKernel])

  @Option(help: "Comma-separated sampled rules (reinforce is the sampled PG).")
  var rules = NameList<InterventionSweep.Rule>(InterventionSweep.Rule.allCases)

  @Option(help: "Update steps per run (default: 100).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumSteps))
  var steps: Int = 100

  @Option(help: "Learning rate η > 0 (default: 0.5).", transform: CheckedArgument.positive)
  var lr: Double = 0.5

  @Option(help: "Samples per state G ≥ 2 (default: 8).", transform: CheckedArgument.integer(in: 2...TabularProblem.maximumSamplesPerState))
  var samples: Int = 8

  @Option(help: "Worker threads (default: 2).", transform: CheckedArgument.integer(in: 1...InterventionSweep.maximumThreads))
  var threads: Int = 2

  @Option(help: "Table format.")
  var format: ReportTableFormat = .markdown

  @Option(help: "Write the overlaid mean entropy and reward curves (sweep-entropy.svg, sweep-reward.svg) into this folder.")
  var curves: String?

  func validate() throws {
    if !mdp && gamma != nil { throw ValidationError("--gamma is the discount of --mdp; a bandit has none") }
    if mdp && problem.rewards != nil { throw ValidationError("--mdp draws a random MDP: give --arms K and --states S, not --rewards") }
    try TabularProblem.checkSize(states: problem.states, actions: problem.actions, steps: steps, isMDP: mdp)
    guard problem.seed <= UInt64.max - UInt64(runs) else {
      throw ValidationError("--seed \(problem.seed) is too large: the sampling seeds seed + 1 … seed + runs must fit in 64 bits")
    }
    for kind in interventions.values where kind.needsTarget {
      throw ValidationError("--interventions: \(kind.rawValue) needs a target and is not swept; use \(EntropyIntervention.Kind.allCases.filter { !$0.needsTarget }.map(\.rawValue).joined(separator: ", "))")
    }
  }

  func run() throws {
    // Both figures are checked (no special file, no folder in the way) before the sweep runs and
    // before either is written.
    let figurePaths = try curves.map { folder in
      try ["sweep-entropy.svg", "sweep-reward.svg"].map { try OutputFile.member($0, ofFolder: folder, option: "--curves") }
    }
    if let figurePaths { try OutputFile.refuseOverwritingInputs(outputs: figurePaths, inputs: []) }
    let tabular = try mdp ? TabularProblem.randomMDP(states: problem.states, actions: problem.actions, discount: gamma ?? 0.9, seed: problem.seed) : problem.problem()
    let report = try TrainingOptions.namingStepSize(lr) { try InterventionSweepReport(
      sweeping: tabular, rules: rules.values, interventions: interventions.values, seed: problem.seed, runs: runs, steps: steps,
      learningRate: lr, samplesPerState: samples, threads: threads) }
    if let figurePaths {
      let curves = report.curves(caption: "Mean over \(runs) runs; \(tabular.description), η = \(NumberFormatting.exact(lr)).")
      for (figure, path) in zip(curves, figurePaths) { try OutputFile.write(Array(figure.svg.utf8), to: path) }
    }
    if format == .json {
      try DeltaHEnvelope.writeToStandardOutput(report, kind: .sweep)
    } else {
      print(format.render(report.table), terminator: format == .csv ? "" : "\n")
    }
  }
}
