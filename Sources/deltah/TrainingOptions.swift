// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyDynamics
import EntropyInterventions
import LogitDumps
import Reports
import TabularPolicies

/// The run (learning rate, steps, scaling), update-rule, intervention and output options shared by
/// `deltah bandit` and `deltah mdp`.
struct TrainingOptions: ParsableArguments {
  @OptionGroup var update: UpdateRuleOptions

  @Option(parsing: .unconditional, help: "Learning rate η > 0 (default: 1).", transform: CheckedArgument.positive)
  var lr: Double = 1

  @Option(help: "Number of update steps T ≥ 1 (default: 100).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumSteps))
  var steps: Int = 100

  @Option(help: "Step scaling across states: per-state (Cui et al.) or visitation (d(s)/(1−γ) for PG, 1/(1−γ) for NPG) (default: per-state).")
  var scaling: StateStepScaling.Kind?

  @Option(help: "Sampled rules: mt19937 seed of the sampling stream (default: --seed + 1).")
  var sampleSeed: UInt64?

  @OptionGroup var trust: TrustToleranceOption

  @OptionGroup var intervention: InterventionOptions

  @OptionGroup var output: OutputOptions

  @Flag(help: "Print CSV, one row per step.")
  var csv = false

  func validate() throws {
    if output.json && csv { throw ValidationError("--json and --csv are exclusive") }
    let (rule, kind) = (update.rule, intervention.intervention)
    if kind != .none && !rule.isSampled {
      throw ValidationError("--intervention \(kind.rawValue) acts on sampled tokens; use --rule reinforce, grpo or ppo")
    }
    if rule == .grpo || rule == .ppo, let g = update.samples, g < 2 {
      throw ValidationError("--rule \(rule.rawValue) normalises advantages by the group's std: --samples must be at least 2, got \(g)")
    }
    if rule.needsEntropyCoefficient && update.entropyCoef == nil { throw ValidationError("--rule \(rule.rawValue) needs --entropy-coef α") }
    if kind.needsTarget && intervention.polarityTarget == nil { throw ValidationError("--intervention polarity needs --polarity-target H* (> 0)") }
  }

  /// Trains and prints the run in the requested format; `problemSeed` is the seed the problem was
  /// drawn from (the sampling stream's default is `problemSeed + 1`).
  func train(_ problem: TabularProblem, problemSeed: UInt64, kind: DeltaHResultKind) throws {
    let given = update.given.map { ($0.field.rawValue, $0.flag) } + intervention.given.map { ($0.field.rawValue, $0.flag) }
    let configuration = TrainingConfiguration(
      rule: update.rule, ruleSettings: Dictionary(uniqueKeysWithValues: update.given.map { ($0.field, $0.value) }),
      intervention: intervention.intervention,
      interventionSettings: Dictionary(uniqueKeysWithValues: intervention.given.map { ($0.field, $0.value) }), learningRate: lr,
      steps: steps, scaling: scaling, sampleSeed: sampleSeed, trustTolerance: trust.value,
      settingNames: Dictionary(given + [(TrainingSettings.CodingKeys.sampleSeed.rawValue, "--sample-seed")]) { first, _ in first })
    let report = try Self.namingStepSize(lr) { try problem.train(configuration, problemSeed: problemSeed) }
    let warnings = report.summary.warnings ?? []
    if csv {
      print(report.run.csv(trustTolerance: trust.value, warnings: warnings))
      for w in warnings { OutputFile.writeStandardError("warning: \(w)\n") }
      return
    }
    try output.print(report, kind: kind, warnings: warnings) { TextTable.trainingRun(report.run, summary: report.summary) }
  }

  /// `body`'s result; its step-overflow error with `--lr` named (exit 64), other errors as they are.
  static func namingStepSize<Result>(_ lr: Double, _ body: () throws -> Result) throws -> Result {
    do { return try body() } catch let error as TabularPolicyError where error.argument == TabularPolicyError.stepSizeArgument {
      throw ValidationError("--lr \(lr) or a coefficient is too large: \(error.problem)")
    }
  }
}

extension StateStepScaling.Kind: ExpressibleByArgument {}
