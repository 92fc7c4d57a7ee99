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

  @Option(parsing: .unconditional, help: "Rewards r1,…,rK of a one-state bandit.")
  var rewards: VectorArgument?

  @Option(help: "Number of arms K for a random bandit.")
  var arms: Int?

  @Option(help: "Number of states S of the random contextual bandit.")
  var states: Int = 1

  @Flag(help: "Sweep on the random discounted MDP of `deltah mdp` (S = --states, K = --arms, γ = --gamma) instead of a bandit.")
  var mdp = false

  @Option(help: "Discount γ in [0, 1) of --mdp.")
  var gamma: Double = 0.9

  @Option(help: "mt19937 seed of the random bandit or MDP; sampling seeds are seed + 1 … seed + runs.")
  var seed: UInt64 = 0

  @Option(help: "Runs (sampling seeds) per cell.")
  var runs: Int = 5

  @Option(help: "Comma-separated interventions (names as in `deltah bandit --intervention`; not polarity, which needs a target).")
  var interventions = NameList<EntropyIntervention.Kind>(
    [.none, .clipCov, .klCov, .steerLinear, .opefo, .entrocraft, .forking, .cispo, .lpReg, .covarianceKernel])

  @Option(help: "Comma-separated sampled rules: reinforce (PG), grpo, ppo.")
  var rules = NameList<InterventionSweep.Rule>(InterventionSweep.Rule.allCases)

  @Option(help: "Update steps per run.")
  var steps: Int = 100

  @Option(help: "Learning rate η.")
  var lr: Double = 0.5

  @Option(help: "Samples per state G.")
  var samples: Int = 8

  @Option(help: "Worker threads.")
  var threads: Int = 2

  @Option(help: "Table format: markdown, latex, csv, json.")
  var format: String = "markdown"

  @Option(help: "Write the overlaid mean entropy and reward curves (sweep-entropy.svg, sweep-reward.svg) into this folder.")
  var curves: String?

  func validate() throws {
    if (rewards == nil) == (arms == nil) { throw ValidationError("give either --rewards or --arms") }
    if let arms, arms < 1 { throw ValidationError("--arms must be ≥ 1") }
    if mdp {
      if rewards != nil { throw ValidationError("--mdp draws a random MDP: give --arms K and --states S, not --rewards") }
      if !(gamma.isFinite && gamma >= 0 && gamma < 1) { throw ValidationError("--gamma must be in [0, 1), got \(gamma)") }
      guard states <= TabularProblem.maximumMDPStates, arms! <= TabularProblem.maximumMDPActions else {
        throw ValidationError("--mdp: at most \(TabularProblem.maximumMDPStates) states and \(TabularProblem.maximumMDPActions) actions")
      }
      try TrainingOptions.checkTableSize(states: states * states, actions: arms!, steps: steps, statesName: "--states²", actionsName: "--arms")
    }
    if states < 1 || runs < 1 || steps < 1 || samples < 2 || threads < 1 {
      throw ValidationError("--states, --runs, --steps, --threads must be ≥ 1 and --samples ≥ 2")
    }
    guard lr.isFinite, lr > 0 else { throw ValidationError("--lr must be finite and > 0") }
    // The same bounds as `deltah bandit` (no trap, allocation abort or hour-long run from a number).
    guard steps <= TabularProblem.maximumSteps else { throw ValidationError("--steps \(steps) is too large: at most \(TabularProblem.maximumSteps)") }
    guard samples <= TabularProblem.maximumSamplesPerState else { throw ValidationError("--samples \(samples) is out of range: 2 … \(TabularProblem.maximumSamplesPerState)") }
    guard runs <= InterventionSweep.maximumRuns else { throw ValidationError("--runs \(runs) is too large: at most \(InterventionSweep.maximumRuns)") }
    guard threads <= InterventionSweep.maximumThreads else { throw ValidationError("--threads \(threads) is too large: at most \(InterventionSweep.maximumThreads)") }
    guard seed <= UInt64.max - UInt64(runs) else {
      throw ValidationError("--seed \(seed) is too large: the sampling seeds seed + 1 … seed + runs must fit in 64 bits")
    }
    try TrainingOptions.checkTableSize(
      states: states, actions: arms ?? rewards?.values.count ?? 1, steps: steps, statesName: "--states", actionsName: "--arms")
    guard ["markdown", "latex", "csv", "json"].contains(format) else { throw ValidationError("--format must be markdown, latex, csv or json") }
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
    let problem =
      if mdp { try TabularProblem.randomMDP(states: states, actions: arms!, discount: gamma, seed: seed) } else {
        try rewards.map { try TabularProblem.bandit(rewards: $0.values) } ?? TabularProblem.randomBandit(states: states, actions: arms!, seed: seed)
      }
    let sweep = InterventionSweep(
      environment: problem.environment, initialLogits: problem.initialLogits, rules: rules.values,
      interventions: try interventions.values.map { ($0.rawValue, try EntropyIntervention($0, totalSteps: steps)) },
      seeds: (1...runs).map { seed + UInt64($0) }, steps: steps, learningRate: lr, samplesPerState: samples)
    let cells = try sweep.run(threads: threads)
    let environment = mdp ? "random MDP, \(states) states × \(arms!) actions, γ = \(gamma), seed \(seed)" : rewards.map { "bandit r = \($0.values.map { formatNumber($0) }.joined(separator: ","))" }
      ?? "random bandit K = \(arms!), S = \(states), seed \(seed)"
    let provenance = Provenance(
      generator: "DeltaH \(DeltaHVersion.string)", command: "deltah sweep",
      settings: [
        .init("environment", environment), .init("lr", NumberFormatting.exact(lr)), .init("steps", "\(steps)"),
        .init("samples per state", "\(samples)"), .init("runs", "\(runs) (sampling seeds \(seed + 1)…\(seed + UInt64(runs)))"),
        .init("interval", "95 % Student t over runs"),
      ])
    if let figurePaths {
      for reward in [false, true] {
        let figure = Figure.sweepCurves(cells, reward: reward, caption: "Mean over \(runs) runs; \(environment), η = \(NumberFormatting.exact(lr)).")
        try ReportCommand.writeAtomically(figure.svg, to: figurePaths[reward ? 1 : 0])
      }
    }
    let table = ReportTable.sweep(cells, provenance: provenance)
    switch format {
    case "json": try printJSON(SweepOutput(cells: cells, provenance: provenance), kind: .sweep)
    case "csv": print(table.csv(), terminator: "")
    case "latex": print(table.latex())
    default: print(table.markdown())
    }
  }
}

struct SweepOutput: Encodable {
  let cells: [InterventionSweep.Cell]
  let provenance: Provenance
}
