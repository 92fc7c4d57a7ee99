// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import Foundation
import TabularPolicies
import Testing

/// `UpdateRule.settings` and `EntropyIntervention.Parameters.settings(readBy:)` say which settings a
/// rule or an intervention reads; `TrainingSettings`
/// records them. The tables are checked against the trainer itself: changing a setting that is
/// not listed leaves a run bit-identical, and changing a listed one where it must matter changes
/// it (before, `forking-bottom` ignored `forkingRatio`, fixed at 0.2).
@Suite("Settings read by each rule and intervention, and the run's record of them")
struct TrainingSettingsTests {
  static let problem = try! TabularProblem.randomBandit(states: 2, actions: 5, seed: 11)

  static func run(_ kind: UpdateRule.Kind, _ p: UpdateRule.Parameters, _ i: EntropyIntervention.Kind = .none,
                  _ q: EntropyIntervention.Parameters = .init(polarityTarget: 0.5)) throws -> [StepRecord] {
    let rule = try UpdateRule(kind, parameters: p, intervention: try EntropyIntervention(i, parameters: q, totalSteps: 4))
    let trainer = try TabularTrainer(
      environment: problem.environment, initialLogits: problem.initialLogits, rule: rule, learningRate: 0.5, seed: 3)
    return try trainer.run(steps: 4).steps
  }

  /// Each rule setting changed on its own, to another valid value.
  static let ruleChanges: [(UpdateRule.Parameters.Field, @Sendable (inout UpdateRule.Parameters) -> Void)] = [
    (.entropyCoefficient, { $0.entropyCoefficient = 0.3 }), (.temperatureCoefficient, { $0.temperatureCoefficient = 0.5 }),
    (.temperatureTarget, { $0.temperatureTarget = 1.4 }), (.highTemperature, { $0.highTemperature = 1.7 }),
    (.lowTemperature, { $0.lowTemperature = 0.4 }), (.samplesPerState, { $0.samplesPerState = 5 }), (.epochs, { $0.epochs = 3 }),
    (.clipLow, { $0.clipLow = 0.05 }), (.clipHigh, { $0.clipHigh = 0.05 }), (.dualClip, { $0.dualClip = 1.5 }),
    (.grpoEpsilon, { $0.grpoEpsilon = 0.7 }),
  ]

  @Test(arguments: UpdateRule.Kind.allCases)
  func aRuleSettingNotListedHasNoEffect(kind: UpdateRule.Kind) throws {
    let base = UpdateRule.Parameters(entropyCoefficient: 0.1)
    let reference = try Self.run(kind, base)
    for (field, change) in Self.ruleChanges {
      var p = base
      change(&p)
      guard !(try UpdateRule(kind, parameters: p)).settings.contains(where: { $0.field == field }) else { continue }
      #expect(try Self.run(kind, p) == reference, "\(kind.rawValue): \(field.rawValue) is not listed but changes the run")
    }
  }

  /// Each intervention setting changed on its own, to another valid value.
  static let interventionChanges: [(EntropyIntervention.Parameters.Field, @Sendable (inout EntropyIntervention.Parameters) -> Void)] = [
    (.covarianceRatio, { $0.covarianceRatio = 0.5 }), (.covarianceLowerBound, { $0.covarianceLowerBound = -5 }),
    (.covarianceUpperBound, { $0.covarianceUpperBound = 1.5 }), (.klCoefficient, { $0.klCoefficient = 4 }),
    (.klTimescale, { $0.klTimescale = 0.5 }), (.sirenTopP, { $0.sirenTopP = 0.5 }), (.steerMinimum, { $0.steerMinimum = 0.2 }),
    (.steerMaximum, { $0.steerMaximum = 3 }), (.entrocraftStartLower, { $0.entrocraftStart.lower = 0.2 }),
    (.entrocraftStartUpper, { $0.entrocraftStart.upper = 0.9 }), (.entrocraftEndLower, { $0.entrocraftEnd.lower = 0.5 }),
    (.entrocraftEndUpper, { $0.entrocraftEnd.upper = 0.6 }), (.forkingRatio, { $0.forkingRatio = 0.7 }),
    (.polarityTarget, { $0.polarityTarget = 2 }), (.polarityGain, { $0.polarityGain = 0 }),
  ]

  @Test(arguments: EntropyIntervention.Kind.allCases)
  func anInterventionSettingNotListedHasNoEffect(kind: EntropyIntervention.Kind) throws {
    let base = EntropyIntervention.Parameters(polarityTarget: 0.5)
    let rule = UpdateRule.Parameters(samplesPerState: 6, epochs: 2)
    let reference = try Self.run(.grpo, rule, kind, base)
    for (field, change) in Self.interventionChanges {
      var q = base
      change(&q)
      guard !q.settings(readBy: kind).contains(where: { $0.field == field }) else { continue }
      #expect(try Self.run(.grpo, rule, kind, q) == reference, "\(kind.rawValue): \(field.rawValue) is not listed but changes the run")
    }
  }

  /// The forking ratio reaches forking-bottom (it was fixed at 0.2 there).
  @Test func forkingBottomReadsTheForkingRatio() throws {
    let rule = UpdateRule.Parameters(samplesPerState: 8)
    let a = try Self.run(.grpo, rule, .forkingBottom, .init(forkingRatio: 0.2))
    let b = try Self.run(.grpo, rule, .forkingBottom, .init(forkingRatio: 0.8))
    #expect(a != b)
    #expect(EntropyIntervention.Parameters().settings(readBy: .forkingBottom).map(\.field) == [.forkingRatio])
  }

  @Test func theRecordListsValuesDefaultsAndSettingsNotRead() throws {
    let settings = TrainingSettings(
      rule: try UpdateRule(.ppo, parameters: .init(highTemperature: 2, clipHigh: 0.28)), givenRuleSettings: [.clipHigh, .highTemperature],
      intervention: .clipCov, interventionParameters: .init(covarianceRatio: 0.01, steerMinimum: 0.5),
      givenInterventionSettings: [.covarianceRatio, .steerMinimum], sampleSeed: 9, sampleSeedIsDefault: true,
      scaling: .visitation, scalingIsDefault: false)
    #expect(settings.rule.map(\.name) == ["entropy_coefficient", "samples_per_state", "epochs", "clip_low", "clip_high", "dual_clip", "grpo_epsilon"])
    #expect(settings.rule.map(\.value) == [0, 8, 4, 0.2, 0.28, nil, 1e-6])
    #expect(settings.intervention.map(\.name) == ["covariance_ratio", "covariance_lower_bound", "covariance_upper_bound"])
    #expect(settings.intervention.map(\.value) == [0.01, 1, 5])
    #expect(settings.defaults == [
      "entropy_coefficient", "samples_per_state", "epochs", "clip_low", "dual_clip", "grpo_epsilon", "covariance_lower_bound",
      "covariance_upper_bound", "sample_seed",
    ])
    #expect(settings.notRead == ["high_temperature", "steer_minimum"])
    #expect(settings.sampleSeed == 9 && settings.scaling == .visitation)
    // The JSON round-trips, with the settings as objects keyed by name (null for an absent one).
    let data = try JSONEncoder().encode(settings)
    #expect(try JSONDecoder().decode(TrainingSettings.self, from: data) == settings)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let rule = try #require(object["rule"] as? [String: Any])
    #expect(rule["clip_high"] as? Double == 0.28 && rule["dual_clip"] is NSNull)
    // An exact rule records no sampling seed, and a seed given to it is a setting it does not read.
    let exact = TrainingSettings(
      rule: try UpdateRule(.policyGradient), givenRuleSettings: [], intervention: .none, interventionParameters: .init(),
      givenInterventionSettings: [], sampleSeed: 4, sampleSeedIsDefault: false, scaling: .perState, scalingIsDefault: true)
    #expect(exact.rule.isEmpty && exact.sampleSeed == nil && exact.notRead == ["sample_seed"] && exact.defaults == ["scaling"])
  }
}
