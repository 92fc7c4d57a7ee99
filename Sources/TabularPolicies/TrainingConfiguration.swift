// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions

/// A tabular training run as a caller asks for it (`deltah bandit|mdp`): the update rule and the
/// entropy intervention with the settings the caller gave (every other setting keeps its library
/// default), η, the number of steps, the step scaling and the sampling seed (nil: the defaults
/// below), and the trust tolerance ε of the recorded trust scales.
///
/// The settings given are kept apart from the defaults so that a run can record which values were
/// chosen and warn about a given setting it does not read (``TrainingSettings``).
public struct TrainingConfiguration: Sendable {
  /// The update rule.
  public var rule: UpdateRule.Kind
  /// The rule settings given; the others keep the defaults of ``UpdateRule/Parameters``.
  public var ruleSettings: [UpdateRule.Parameters.Field: Double]
  /// The intervention of the sampled rules.
  public var intervention: EntropyIntervention.Kind
  /// The intervention settings given; the others keep the defaults of ``EntropyIntervention/Parameters``.
  public var interventionSettings: [EntropyIntervention.Parameters.Field: Double]
  /// η > 0.
  public var learningRate: Double
  /// The number of update steps T ≥ 1.
  public var steps: Int
  /// The step scaling across states (nil: per-state, recorded as a default).
  public var scaling: StateStepScaling.Kind?
  /// The mt19937 seed of the sampling stream (nil: the problem's seed + 1, recorded as a default).
  public var sampleSeed: UInt64?
  /// ε of every step's trust scale (finite, > 0).
  public var trustTolerance: Double
  /// The name each given setting was given under, by its JSON key (`clip_low` → `--clip-low`,
  /// `sample_seed` → `--sample-seed`): a warning names a setting by it, else by its JSON key.
  public var settingNames: [String: String]

  /// A configuration; every argument defaults as documented on its property (pg for 100 steps with
  /// η = 1, no intervention, ε = ``EntropyChange/defaultTrustTolerance``).
  public init(
    rule: UpdateRule.Kind = .policyGradient, ruleSettings: [UpdateRule.Parameters.Field: Double] = [:],
    intervention: EntropyIntervention.Kind = .none, interventionSettings: [EntropyIntervention.Parameters.Field: Double] = [:],
    learningRate: Double = 1, steps: Int = 100, scaling: StateStepScaling.Kind? = nil, sampleSeed: UInt64? = nil,
    trustTolerance: Double = EntropyChange.defaultTrustTolerance, settingNames: [String: String] = [:]
  ) {
    self.rule = rule
    self.ruleSettings = ruleSettings
    self.intervention = intervention
    self.interventionSettings = interventionSettings
    self.learningRate = learningRate
    self.steps = steps
    self.scaling = scaling
    self.sampleSeed = sampleSeed
    self.trustTolerance = trustTolerance
    self.settingNames = settingNames
  }

  /// One warning for each setting given that the run does not read (JSON keys in `notRead`, in
  /// their order), naming it by ``settingNames``; settings given under one name (a band's two
  /// ends) are named once.
  func warnings(notRead: [String]) -> [String] {
    var named: [String] = []
    for key in notRead {
      let name = settingNames[key] ?? key
      if !named.contains(name) { named.append(name) }
    }
    let run = "rule \(rule.rawValue) with intervention \(intervention.rawValue)"
    return named.map { "\($0) has no effect: the run (\(run)) does not read it" }
  }
}

extension TabularProblem {
  /// Trains a tabular softmax policy on this problem as `configuration` asks, and returns the run
  /// with its summary: the rule and intervention are built from the settings given (defaults for
  /// the rest), the sampling seed is `configuration.sampleSeed` or `problemSeed + 1` (wrapping),
  /// and the summary records every setting read with its value (``TrainingSettings``) and warns
  /// about each setting given that the run does not read.
  ///
  /// - Parameter problemSeed: the seed this problem was drawn from (0 for an explicit bandit).
  /// - Throws: `TabularPolicyError` naming the setting when a setting is outside its domain, the
  ///   intervention does not fit the rule (an exact rule, a polarity controller without a target,
  ///   a dual clip with Clip-Cov, whose verl loss has none),
  ///   ε is not finite and > 0, or a step overflows (``TabularPolicyError/stepSizeArgument``); an
  ///   intervention's own error is kept as its ``TabularPolicyError/cause``.
  /// - Complexity: `steps` × one update of the rule (``TabularTrainer/run(steps:)``).
  public func train(_ configuration: TrainingConfiguration, problemSeed: UInt64) throws(TabularPolicyError) -> TrainingRunReport {
    let c = configuration
    try require(c.trustTolerance.isFinite && c.trustTolerance > 0, "trustTolerance", "ε must be finite and > 0, got \(c.trustTolerance)")
    let seed = c.sampleSeed ?? problemSeed &+ 1, scaling = c.scaling ?? .perState
    let interventionParameters = EntropyIntervention.Parameters(settings: c.interventionSettings)
    let intervention: EntropyIntervention
    do { intervention = try EntropyIntervention(c.intervention, parameters: interventionParameters, totalSteps: c.steps) } catch {
      throw TabularPolicyError(nesting: error)
    }
    // Named as the caller gave it (`--dual-clip`); SampledUpdate refuses the pair again for direct callers.
    if c.intervention == .clipCov, c.ruleSettings[.dualClip] != nil {
      throw TabularPolicyError(argument: c.settingNames["dual_clip"] ?? "dual_clip", problem: SampledUpdate.clipCovHasNoDualClip)
    }
    let rule = try UpdateRule(c.rule, parameters: UpdateRule.Parameters(settings: c.ruleSettings), intervention: intervention)
    let trainer = try TabularTrainer(
      environment: environment, initialLogits: initialLogits, rule: rule, learningRate: c.learningRate,
      scaling: scaling.scaling(discount: environment.discount), seed: seed)
    let run = try trainer.run(steps: c.steps)
    let settings = TrainingSettings(
      rule: rule, givenRuleSettings: Set(c.ruleSettings.keys), intervention: c.intervention,
      interventionParameters: interventionParameters, givenInterventionSettings: Set(c.interventionSettings.keys),
      sampleSeed: seed, sampleSeedIsDefault: c.sampleSeed == nil, scaling: scaling, scalingIsDefault: c.scaling == nil)
    let summary = RunSummary(
      run: run, rule: c.rule, update: rule, intervention: c.intervention, learningRate: c.learningRate,
      environment: description, settings: settings, warnings: c.warnings(notRead: settings.notRead))
    return TrainingRunReport(run: run, summary: summary, trustTolerance: c.trustTolerance)
  }
}
