// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyDynamics
import EntropyInterventions
import Reports
import TabularPolicies

/// Update-rule, intervention and output options shared by `deltah bandit` and `deltah mdp`.
struct TrainingOptions: ParsableArguments {
  @Option(help: "Update rule: pg, npg, entropy-bonus, natural-entropy-bonus, temperature, natural-temperature (exact); reinforce, grpo, ppo (sampled; ppo = grpo with --epochs default 4).")
  var rule: UpdateRule.Kind = .policyGradient

  @Option(parsing: .unconditional, help: "Learning rate η > 0 (default: 1).", transform: CheckedArgument.positive)
  var lr: Double = 1

  @Option(help: "Number of update steps T ≥ 1.")
  var steps: Int = 100

  @Option(help: "Step scaling across states: per-state (Cui et al.) or visitation (d(s)/(1−γ) for PG, 1/(1−γ) for NPG).")
  var scaling: StateStepScaling.Kind = .perState

  @Option(parsing: .unconditional, help: "Entropy-bonus coefficient α (entropy-bonus rules; also added to sampled rules).")
  var entropyCoef: Double?

  @Option(parsing: .unconditional, help: "Weight α of REINFORCE toward π^T (temperature rules; also added to sampled rules when given).")
  var temperatureCoef: Double?

  @Option(parsing: .unconditional, help: "Entropy target of the π^T switch: T_high below it, T_low above.")
  var temperatureTarget: Double = 0.5

  @Option(help: "T_high.")
  var tHigh: Double = 1.2

  @Option(help: "T_low.")
  var tLow: Double = 0.8

  @Option(help: "Sampled rules: samples per state G.")
  var samples: Int = 8

  @Option(help: "Sampled rules: gradient steps per batch (PPO epochs; default 1, 4 for ppo).")
  var epochs: Int?

  @Option(help: "PPO ε_low.")
  var clipLow: Double = 0.2

  @Option(help: "PPO ε_high.")
  var clipHigh: Double = 0.2

  @Option(help: "Dual-clip constant c > 1 (default none; STEER uses 3).")
  var dualClip: Double?

  @Option(parsing: .unconditional, help: "GRPO std epsilon.")
  var grpoEpsilon: Double = 1e-6

  @Option(help: "Intervention for sampled rules: none, clip-cov, kl-cov, steer-linear, steer-exp, opefo, entrocraft, forking, polarity, or a token weighting with its defaults (README methods table): forking-bottom, cispo, bapo, hapo, lp-reg, siren, empg, d3s, cov-kernel, kl-cov-annealed (β_t = β₀/(1 + t/τ), β₀ = --kl-coef), epo (history: this run's policy entropies before the step).")
  var intervention: EntropyIntervention.Kind = .none

  @Option(help: "Clip-Cov / KL-Cov selection ratio (fraction; defaults 2e-4 / 2e-3).")
  var covRatio: Double?

  @Option(parsing: .unconditional, help: "Clip-Cov ω_low.")
  var covLower: Double = 1

  @Option(parsing: .unconditional, help: "Clip-Cov ω_high.")
  var covUpper: Double = 5

  @Option(help: "KL-Cov β.")
  var klCoef: Double = 1

  @Option(help: "kl-cov-annealed: Robbins–Monro timescale τ > 0 of β_t = β₀/(1 + t/τ).")
  var klTimescale: Double = 100

  @Option(help: "siren: p of the top-p mask (the bonus is the renormalised entropy of the smallest set holding mass p; default: no top-p mask).")
  var sirenTopP: Double?

  @Option(help: "STEER w_min.")
  var steerMin: Double = 0.8

  @Option(help: "STEER w_max (linear mode).")
  var steerMax: Double = 1.2

  @Option(parsing: .unconditional, help: "Entrocraft start bounds L0,U0 (default 0.6,0.7).")
  var entrocraftStart: VectorArgument?

  @Option(parsing: .unconditional, help: "Entrocraft end bounds L1,U1 (default 0.1,0.2), reached at the last step.")
  var entrocraftEnd: VectorArgument?

  @Option(help: "Forking-token ratio ρ.")
  var forkingRatio: Double = 0.2

  @Option(parsing: .unconditional, help: "Polarity reweighting: entropy target H* of the proportional controller.")
  var polarityTarget: Double?

  @Option(help: "Polarity reweighting: controller gain g (w± = clamp(1 ± g(H* − H)/H*, 0, 2)).")
  var polarityGain: Double = 1

  @Option(parsing: .unconditional, help: "Trust tolerance ε of each step's trust_scale s*.")
  var trustTolerance: Double = 0.1

  @Flag(help: "Print JSON: {\"steps\": [...], \"summary\": {...}}.")
  var json = false

  @Flag(help: "Print CSV, one row per step.")
  var csv = false

  func validate() throws {
    if json && csv { throw ValidationError("--json and --csv are exclusive") }
    guard steps >= 1 else { throw ValidationError("--steps must be ≥ 1, got \(steps)") }
    guard trustTolerance.isFinite, trustTolerance > 0 else { throw ValidationError("--trust-tolerance must be a finite number > 0, got \(trustTolerance)") }
    guard steps <= TabularProblem.maximumSteps else { throw ValidationError("--steps \(steps) is too large: at most \(TabularProblem.maximumSteps) (every step is recorded)") }
    guard samples >= 1, samples <= TabularProblem.maximumSamplesPerState else { throw ValidationError("--samples \(samples) is out of range: 1 … \(TabularProblem.maximumSamplesPerState)") }
    if let epochs, !(1...TabularProblem.maximumEpochs).contains(epochs) { throw ValidationError("--epochs \(epochs) is out of range: 1 … \(TabularProblem.maximumEpochs)") }
    if intervention != .none && !rule.isSampled {
      throw ValidationError("--intervention \(intervention.rawValue) acts on sampled tokens; use --rule reinforce, grpo or ppo")
    }
    if intervention == .polarity && polarityTarget == nil {
      throw ValidationError("--intervention polarity needs --polarity-target H* (> 0)")
    }
    guard klTimescale.isFinite, klTimescale > 0 else { throw ValidationError("--kl-timescale must be finite and > 0, got \(klTimescale)") }
    if let p = sirenTopP, !(p.isFinite && p > 0 && p <= 1) { throw ValidationError("--siren-top-p must be in (0, 1], got \(p)") }
    if let t = polarityTarget, !(t.isFinite && t > 0) { throw ValidationError("--polarity-target must be > 0, got \(t)") }
    if !(polarityGain.isFinite && polarityGain >= 0) { throw ValidationError("--polarity-gain must be ≥ 0, got \(polarityGain)") }
    if rule.needsEntropyCoefficient, entropyCoef == nil {
      throw ValidationError("--rule \(rule.rawValue) needs --entropy-coef α")
    }
    for (name, v) in [("--entrocraft-start", entrocraftStart), ("--entrocraft-end", entrocraftEnd)] {
      if let v, v.values.count != 2 { throw ValidationError("\(name) takes two numbers lower,upper, got \(v.values.count)") }
    }
  }

  /// Refuses tabular problems whose state × action table (and its work per step over `steps`)
  /// would not fit or would run for hours (`TabularProblem.maximumLogits`, `maximumLogitUpdates`).
  static func checkTableSize(states: Int, actions: Int, steps: Int, statesName: String, actionsName: String) throws {
    let (cells, overflow) = states.multipliedReportingOverflow(by: actions)
    guard !overflow, cells <= TabularProblem.maximumLogits else {
      throw ValidationError("\(statesName) \(states) × \(actionsName) \(actions) is too large: at most \(TabularProblem.maximumLogits) logits in all")
    }
    let (work, workOverflow) = cells.multipliedReportingOverflow(by: steps)
    guard !workOverflow, work <= TabularProblem.maximumLogitUpdates else {
      throw ValidationError("--steps \(steps) × \(cells) logits is too much work: at most \(TabularProblem.maximumLogitUpdates) logit updates; use fewer steps or a smaller problem")
    }
  }

  /// The rule's settings from the flags (defaults: `UpdateRule.Parameters`).
  var ruleParameters: UpdateRule.Parameters {
    UpdateRule.Parameters(
      entropyCoefficient: entropyCoef, temperatureCoefficient: temperatureCoef, temperatureTarget: temperatureTarget,
      highTemperature: tHigh, lowTemperature: tLow, samplesPerState: samples, epochs: epochs, clipLow: clipLow,
      clipHigh: clipHigh, dualClip: dualClip, grpoEpsilon: grpoEpsilon)
  }

  /// The intervention's settings from the flags (defaults: `EntropyIntervention.Parameters`).
  var interventionParameters: EntropyIntervention.Parameters {
    var p = EntropyIntervention.Parameters(
      covarianceRatio: covRatio, covarianceLowerBound: covLower, covarianceUpperBound: covUpper, klCoefficient: klCoef,
      klTimescale: klTimescale, sirenTopP: sirenTopP, steerMinimum: steerMin, steerMaximum: steerMax,
      forkingRatio: forkingRatio, polarityTarget: polarityTarget, polarityGain: polarityGain)
    if let v = entrocraftStart?.values { p.entrocraftStart = (v[0], v[1]) }
    if let v = entrocraftEnd?.values { p.entrocraftEnd = (v[0], v[1]) }
    return p
  }

  /// Trains and prints the run in the requested format.
  func train(_ problem: TabularProblem, seed: UInt64, description: String, kind: DeltaHResultKind) throws {
    let update = try UpdateRule(
      rule, parameters: ruleParameters,
      intervention: try EntropyIntervention(intervention, parameters: interventionParameters, totalSteps: steps))
    let trainer = try TabularTrainer(
      environment: problem.environment, initialLogits: problem.initialLogits, rule: update, learningRate: lr,
      scaling: scaling.scaling(discount: problem.environment.discount), seed: seed)
    let run = try trainer.run(steps: steps)
    let summary = RunSummary(
      run: run, rule: rule, update: update, intervention: intervention, learningRate: lr, environment: description)
    if json {
      try printJSON(TrainingRunReport(run: run, summary: summary, trustTolerance: trustTolerance), kind: kind)
    } else if csv {
      print(run.csv())
    } else {
      print(TextTable.trainingRun(run, summary: summary))
    }
  }
}

extension UpdateRule.Kind: ExpressibleByArgument {}
extension StateStepScaling.Kind: ExpressibleByArgument {}
extension EntropyIntervention.Kind: ExpressibleByArgument {}
