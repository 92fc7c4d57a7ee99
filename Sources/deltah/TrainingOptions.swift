// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyDynamics
import EntropyInterventions
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

  @Option(help: "Step scaling across states: per-state (Cui et al.) or visitation (d(s)/(1−γ) for PG, 1/(1−γ) for NPG).")
  var scaling: StateStepScaling.Kind = .perState

  @Option(parsing: .unconditional, help: "Trust tolerance ε > 0 of each step's trust_scale s* (default: 0.1).", transform: CheckedArgument.positive)
  var trustTolerance: Double = 0.1

  @OptionGroup var intervention: InterventionOptions

  @Flag(help: "Print JSON: {\"steps\": [...], \"summary\": {...}}.")
  var json = false

  @Flag(help: "Print CSV, one row per step.")
  var csv = false

  func validate() throws {
    if json && csv { throw ValidationError("--json and --csv are exclusive") }
    let (rule, kind) = (update.rule, intervention.intervention)
    if kind != .none && !rule.isSampled {
      throw ValidationError("--intervention \(kind.rawValue) acts on sampled tokens; use --rule reinforce, grpo or ppo")
    }
    if rule.needsEntropyCoefficient && update.entropyCoef == nil { throw ValidationError("--rule \(rule.rawValue) needs --entropy-coef α") }
    if kind.needsTarget && intervention.polarityTarget == nil { throw ValidationError("--intervention polarity needs --polarity-target H* (> 0)") }
  }

  /// Trains and prints the run in the requested format.
  func train(_ problem: TabularProblem, seed: UInt64, description: String, kind: DeltaHResultKind) throws {
    let rule = try UpdateRule(
      update.rule, parameters: update.parameters,
      intervention: try EntropyIntervention(intervention.intervention, parameters: intervention.parameters, totalSteps: steps))
    let trainer = try TabularTrainer(
      environment: problem.environment, initialLogits: problem.initialLogits, rule: rule, learningRate: lr,
      scaling: scaling.scaling(discount: problem.environment.discount), seed: seed)
    let run: TrainingRun
    do { run = try trainer.run(steps: steps) } catch { throw namingFlags(error) }
    let summary = RunSummary(
      run: run, rule: update.rule, update: rule, intervention: intervention.intervention, learningRate: lr,
      environment: description)
    if json {
      try DeltaHEnvelope.writeToStandardOutput(TrainingRunReport(run: run, summary: summary, trustTolerance: trustTolerance), kind: kind)
    } else if csv {
      print(run.csv(trustTolerance: trustTolerance))
    } else {
      print(TextTable.trainingRun(run, summary: summary))
    }
  }

  /// The step-overflow error with the flag that sets η named; other errors as they are.
  private func namingFlags(_ error: TabularPolicyError) -> any Error {
    guard error.argument == TabularPolicyError.stepSizeArgument else { return error }
    return ArgumentError("--lr \(lr) or a coefficient is too large: \(error.problem)")
  }
}

extension StateStepScaling.Kind: ExpressibleByArgument {}
