// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing

/// The PPO clip settings a sampled run records (and warns about when given but unread) follow the
/// intervention. Before, `--clip-low/--clip-high/--dual-clip` were recorded as read under KL-Cov and
/// the ratio-carrying token weightings, which replace the clip, without a "has no effect" warning;
/// and a STEER run recorded dual_clip = none while it clipped at c = 3.
@Suite("Clip settings read by a sampled rule under each intervention")
struct ClipSettingsByInterventionTests {
  static let problem = try! TabularProblem.randomBandit(states: 2, actions: 5, seed: 13)

  static func rule(_ i: EntropyIntervention.Kind, _ p: UpdateRule.Parameters) throws -> UpdateRule {
    try UpdateRule(.ppo, parameters: p, intervention: try EntropyIntervention(i, parameters: .init(polarityTarget: 0.5), totalSteps: 4))
  }

  static func run(_ i: EntropyIntervention.Kind, _ p: UpdateRule.Parameters) throws -> [StepRecord] {
    let trainer = try TabularTrainer(
      environment: problem.environment, initialLogits: problem.initialLogits, rule: try rule(i, p), learningRate: 1.5, seed: 3)
    return try trainer.run(steps: 4).steps
  }

  @Test func replacedClipIsNotListed() throws {
    for kind in [EntropyIntervention.Kind.klCov, .cispo, .bapo, .hapo, .klCovAnnealed] {
      let fields = try Self.rule(kind, .init()).settings.map(\.field)
      #expect(!fields.contains(.clipLow) && !fields.contains(.clipHigh) && !fields.contains(.dualClip), "\(kind.rawValue)")
    }
    #expect(try Self.rule(.none, .init()).settings.map(\.field).contains(.clipLow))
    let steer = try Self.rule(.steerLinear, .init()).settings
    #expect(steer.first { $0.field == .dualClip }?.value == 3)
  }

  /// The table against the trainer: an unlisted clip setting leaves every intervention's run
  /// bit-identical.
  @Test(arguments: EntropyIntervention.Kind.allCases)
  func unlistedClipSettingsHaveNoEffect(kind: EntropyIntervention.Kind) throws {
    let base = UpdateRule.Parameters()
    let listed = Set(try Self.rule(kind, base).settings.map(\.field))
    let reference = try Self.run(kind, base)
    let changes: [(UpdateRule.Parameters.Field, (inout UpdateRule.Parameters) -> Void)] = [
      (.clipLow, { $0.clipLow = 0.01 }), (.clipHigh, { $0.clipHigh = 0.01 }), (.dualClip, { $0.dualClip = 1.01 }),
    ]
    for (field, change) in changes where !listed.contains(field) {
      var p = base
      change(&p)
      #expect(try Self.run(kind, p) == reference, "\(kind.rawValue): \(field.rawValue)")
    }
  }
}
