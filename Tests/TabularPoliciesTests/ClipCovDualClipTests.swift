// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing

/// verl's Clip-Cov loss (`compute_policy_loss_clip_cov`) is max(−A·r, −A·clip(r, 1 − ε_low,
/// 1 + ε_high)) times the pick's 0/1 correction; it reads no `clip_ratio_c`. The trainer applied
/// `--dual-clip` to it all the same (and excluded the dual-clipped tokens from Clip-Cov's
/// candidates), a loss no trainer runs. A dual clip with Clip-Cov is now refused, in one line
/// naming the setting as the caller gave it.
@Suite("Clip-Cov has no dual clip (verl)")
struct ClipCovDualClipTests {
  static let problem = try! TabularProblem.randomBandit(states: 2, actions: 4, seed: 5)

  @Test func theConfigurationRefusesItNamingTheFlag() throws {
    let configuration = TrainingConfiguration(
      rule: .ppo, ruleSettings: [.dualClip: 3], intervention: .clipCov, steps: 2, settingNames: ["dual_clip": "--dual-clip"])
    let error = try #require(throws: TabularPolicyError.self) { try Self.problem.train(configuration, problemSeed: 5) }
    #expect(error.argument == "--dual-clip")
    #expect(error.problem.contains("compute_policy_loss_clip_cov") && error.problem.contains("no dual clip"))
    #expect(!error.description.contains("\n"))
  }

  @Test func theSampledUpdateRefusesItForDirectCallers() throws {
    let clipCov = try EntropyIntervention(.clipCov, totalSteps: 2)
    let update = SampledUpdate(epochs: 2, dualClip: 3, intervention: clipCov)
    let error = try #require(throws: TabularPolicyError.self) {
      try TabularTrainer(
        environment: Self.problem.environment, initialLogits: Self.problem.initialLogits, rule: .sampled(update),
        learningRate: 0.5, seed: 6)
    }
    #expect(error.argument == "dualClip")
  }

  /// The other rules keep their dual clip, and Clip-Cov without one runs.
  @Test func otherInterventionsAndNoDualClipStillRun() throws {
    for (intervention, settings) in [(EntropyIntervention.Kind.none, [UpdateRule.Parameters.Field.dualClip: 3.0]), (.steerLinear, [.dualClip: 3]), (.clipCov, [:])] {
      let configuration = TrainingConfiguration(rule: .ppo, ruleSettings: settings, intervention: intervention, steps: 2)
      #expect(try Self.problem.train(configuration, problemSeed: 5).run.steps.count == 2, "\(intervention)")
    }
  }
}
