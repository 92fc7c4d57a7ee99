// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing

/// `TabularProblem.train(_:problemSeed:)`, the one library call behind `deltah bandit|mdp`: the
/// settings given replace the library defaults field by field, the run is the one a caller wiring
/// rule, intervention and trainer by hand gets, and the record says which values were chosen.
@Suite("A training run from its configuration")
struct TrainingConfigurationTests {
  static let problem = try! TabularProblem.randomBandit(states: 2, actions: 4, seed: 5)

  /// Every setting given by field lands in its own property of the parameters (a mix-up of two
  /// fields in the switch fails here), the others keep the defaults.
  @Test func settingsReplaceTheirDefaultsFieldByField() throws {
    let rule = try UpdateRule.Parameters(settings: [.clipHigh: 0.28, .epochs: 3, .dualClip: 2.5])
    var expected = UpdateRule.Parameters()
    (expected.clipHigh, expected.epochs, expected.dualClip) = (0.28, 3, 2.5)
    #expect(rule == expected)
    for (i, field) in UpdateRule.Parameters.Field.allCases.enumerated() {
      let value = Double(i + 2)
      let p = try UpdateRule.Parameters(settings: [field: value])
      // ppo with the π^T term on reads every setting.
      let settings = [UpdateRule.Parameters.Field.temperatureCoefficient: 0.5].merging([field: value]) { $1 }
      let read = try UpdateRule(.ppo, parameters: UpdateRule.Parameters(settings: settings))
      #expect(read.settings.first { $0.field == field }?.value == value, "\(field)")
      #expect(p != UpdateRule.Parameters(), "\(field) was not set")
    }
    let q = EntropyIntervention.Parameters(settings: [.entrocraftStartUpper: 0.9, .steerMaximum: 1.5, .covarianceRatio: 0.01])
    #expect(q.entrocraftStart == (0.6, 0.9) && q.steerMaximum == 1.5 && q.covarianceRatio == 0.01 && q.steerMinimum == 0.8)
    for (i, field) in EntropyIntervention.Parameters.Field.allCases.enumerated() {
      let value = 0.01 * Double(i + 3)
      let p = EntropyIntervention.Parameters(settings: [field: value])
      let kinds = EntropyIntervention.Kind.allCases.filter { k in p.settings(readBy: k).contains { $0.field == field } }
      let kind = try #require(kinds.first, "no intervention reads \(field)")
      #expect(p.settings(readBy: kind).first { $0.field == field }?.value == value, "\(field)")
    }
  }

  /// A count that is not an integer is refused, naming the setting by its JSON key.
  @Test func aFractionalCountIsRefused() {
    #expect(throws: TabularPolicyError(argument: "epochs", problem: "must be an integer, got 2.5")) {
      try UpdateRule.Parameters(settings: [.epochs: 2.5])
    }
  }

  /// The run equals the one built by hand from the same rule, intervention, η and seed, bit for bit;
  /// the default sampling seed is the problem's seed + 1 and is recorded as a default.
  @Test func theRunIsTheHandWiredOne() throws {
    let configuration = TrainingConfiguration(
      rule: .ppo, ruleSettings: [.clipHigh: 0.28], intervention: .clipCov, interventionSettings: [.covarianceRatio: 0.25],
      learningRate: 0.5, steps: 6)
    let report = try Self.problem.train(configuration, problemSeed: 5)
    let intervention = try EntropyIntervention(.clipCov, parameters: .init(covarianceRatio: 0.25), totalSteps: 6)
    let rule = try UpdateRule(.ppo, parameters: .init(clipHigh: 0.28), intervention: intervention)
    let trainer = try TabularTrainer(
      environment: Self.problem.environment, initialLogits: Self.problem.initialLogits, rule: rule, learningRate: 0.5, seed: 6)
    #expect(report.run == (try trainer.run(steps: 6)))
    let settings = try #require(report.summary.settings)
    #expect(settings.sampleSeed == 6 && settings.defaults.contains("sample_seed") && !settings.defaults.contains("clip_high"))
    #expect(settings.intervention.first?.name == "covariance_ratio" && settings.intervention.first?.value == 0.25)
    #expect(report.summary.warnings == [])
    // The seed wraps: the last problem seed samples with seed 0.
    let wrapped = try Self.problem.train(TrainingConfiguration(rule: .grpo, steps: 2), problemSeed: .max)
    #expect(wrapped.summary.settings?.sampleSeed == 0)
  }

  /// A setting given that the run does not read is warned about under the caller's name for it,
  /// once per name (a band's two ends), else under its JSON key.
  @Test func settingsNotReadAreWarnedUnderTheCallersNames() throws {
    let configuration = TrainingConfiguration(
      rule: .policyGradient, ruleSettings: [.clipLow: 0.1, .grpoEpsilon: 0.5],
      interventionSettings: [.entrocraftStartLower: 0.5, .entrocraftStartUpper: 0.8], steps: 2, sampleSeed: 9,
      settingNames: ["clip_low": "--clip-low", "entrocraft_start_lower": "--entrocraft-start", "entrocraft_start_upper": "--entrocraft-start"])
    let report = try Self.problem.train(configuration, problemSeed: 0)
    let run = "the run (rule pg with intervention none) does not read it"
    #expect(report.summary.warnings == [
      "--clip-low has no effect: \(run)", "grpo_epsilon has no effect: \(run)", "--entrocraft-start has no effect: \(run)",
      "sample_seed has no effect: \(run)",
    ])
    #expect(report.summary.settings?.sampleSeed == nil)
  }

  /// Errors of the configuration name the setting; an intervention's own error is kept as the cause.
  @Test func badConfigurationsAreRefusedNamingTheSetting() throws {
    #expect(throws: TabularPolicyError.self) { try Self.problem.train(.init(trustTolerance: 0), problemSeed: 0) }
    do {
      _ = try Self.problem.train(.init(rule: .grpo, intervention: .polarity, steps: 2), problemSeed: 0)
      Issue.record("a polarity controller without a target ran")
    } catch {
      #expect(error.argument == "polarityTarget")
      #expect(error.cause == .intervention(InterventionError(argument: "polarityTarget", problem: error.problem)))
    }
    #expect(throws: TabularPolicyError.self) {
      try Self.problem.train(.init(rule: .policyGradient, intervention: .clipCov, steps: 2), problemSeed: 0)
    }
  }

  /// Rewards whose spread overflows Double are named when the bandit is built; before, the run
  /// failed at its first update with "logits[0]: the update failed: logit step[0] is -nan".
  @Test func rewardsWhoseSpreadOverflowsAreNamed() throws {
    let error = #expect(throws: TabularPolicyError.self) { try TabularProblem.bandit(rewards: [1e308, -1e308]) }
    #expect(error?.argument == "rewards[0]" && error?.problem.contains("differ by more than Double's range") == true)
    _ = try TabularProblem.bandit(rewards: [8e307, -8e307])
  }
}
