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
    if rule.needsEntropyCoefficient && update.entropyCoef == nil { throw ValidationError("--rule \(rule.rawValue) needs --entropy-coef α") }
    if kind.needsTarget && intervention.polarityTarget == nil { throw ValidationError("--intervention polarity needs --polarity-target H* (> 0)") }
  }

  /// Trains and prints the run in the requested format; `problemSeed` is the seed the problem was
  /// drawn from (the sampling stream's default is `problemSeed + 1`).
  func train(_ problem: TabularProblem, problemSeed: UInt64, kind: DeltaHResultKind) throws {
    let seed = sampleSeed ?? problemSeed &+ 1, scaling = scaling ?? .perState
    let interventionParameters = intervention.parameters
    let rule = try UpdateRule(
      update.rule, parameters: update.parameters,
      intervention: try EntropyIntervention(intervention.intervention, parameters: interventionParameters, totalSteps: steps))
    let trainer = try TabularTrainer(
      environment: problem.environment, initialLogits: problem.initialLogits, rule: rule, learningRate: lr,
      scaling: scaling.scaling(discount: problem.environment.discount), seed: seed)
    let run: TrainingRun
    do { run = try trainer.run(steps: steps) } catch { throw namingFlags(error) }
    let (settings, warnings) = recordedSettings(rule: rule, interventionParameters: interventionParameters, sampleSeed: seed)
    let summary = RunSummary(
      run: run, rule: update.rule, update: rule, intervention: intervention.intervention, learningRate: lr,
      environment: problem.description, settings: settings, warnings: warnings)
    if csv {
      print(run.csv(trustTolerance: trust.value, warnings: warnings))
      for w in warnings { OutputFile.writeStandardError("warning: \(w)\n") }
      return
    }
    try output.print(TrainingRunReport(run: run, summary: summary, trustTolerance: trust.value), kind: kind, warnings: warnings) {
      TextTable.trainingRun(run, summary: summary)
    }
  }

  /// The settings of the run (values used, defaults, settings not read) and a warning for each
  /// flag given that the run does not read.
  private func recordedSettings(
    rule: UpdateRule, interventionParameters: EntropyIntervention.Parameters, sampleSeed: UInt64
  ) -> (TrainingSettings, [String]) {
    let (ruleFlags, interventionFlags) = (update.flags, intervention.flags)
    let settings = TrainingSettings(
      rule: rule, givenRuleSettings: Set(ruleFlags.filter(\.given).map(\.field)),
      intervention: intervention.intervention, interventionParameters: interventionParameters,
      givenInterventionSettings: Set(interventionFlags.filter(\.given).map(\.field)), sampleSeed: sampleSeed,
      sampleSeedIsDefault: self.sampleSeed == nil, scaling: scaling ?? .perState, scalingIsDefault: scaling == nil)
    let notRead = Set(settings.notRead)
    var flags = ruleFlags.map { ($0.field.rawValue, $0.flag) } + interventionFlags.map { ($0.field.rawValue, $0.flag) }
    flags.append((TrainingSettings.CodingKeys.sampleSeed.rawValue, "--sample-seed"))
    var named: [String] = []
    for (name, flag) in flags where notRead.contains(name) && !named.contains(flag) { named.append(flag) }
    let run = "rule \(update.rule.rawValue) with intervention \(intervention.intervention.rawValue)"
    return (settings, named.map { "\($0) has no effect: the run (\(run)) does not read it" })
  }

  /// The step-overflow error with the flag that sets η named; other errors as they are.
  private func namingFlags(_ error: TabularPolicyError) -> any Error {
    guard error.argument == TabularPolicyError.stepSizeArgument else { return error }
    return ValidationError("--lr \(lr) or a coefficient is too large: \(error.problem)")
  }
}

extension StateStepScaling.Kind: ExpressibleByArgument {}
