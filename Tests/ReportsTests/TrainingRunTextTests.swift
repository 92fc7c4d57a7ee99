// DeltaH — entropy change of softmax policies.

import Reports
import TabularPolicies
import Testing

@Suite("A training run as CSV and as a terminal table")
struct TrainingRunTextTests {
  func run() throws -> (TrainingRun, RunSummary) {
    let bandit = try ContextualBandit(rewards: [1, 0.2, 0])
    let rule = try UpdateRule(.policyGradient)
    let trainer = try TabularTrainer(environment: bandit, initialLogits: [[0.3, 0, -0.1]], rule: rule, learningRate: 0.7)
    let run = try trainer.run(steps: 5)
    let summary = RunSummary(run: run, rule: .policyGradient, update: rule, intervention: .none, learningRate: 0.7, environment: "3-armed bandit")
    return (run, summary)
  }

  @Test func csvRowsReadBackExactly() throws {
    let (run, _) = try run()
    let lines = run.csv(trustTolerance: 0.1).split(separator: "\n")
    #expect(lines.count == 6 && lines[0].hasPrefix("step,entropy,reward,delta_actual"))
    for (record, line) in zip(run.steps, lines.dropFirst()) {
      let fields = line.split(separator: ",")
      #expect(fields.count == 16 && fields[0] == "\(record.step)")
      // %.17g round-trips a Double exactly, the trust scale included (the JSON's value).
      #expect(Double(String(fields[1])) == record.entropy && Double(String(fields[3])) == record.deltaActual)
      #expect(Double(String(fields[14])) == record.trustScale(tolerance: 0.1) && fields[15] == "0.10000000000000001")
    }
  }

  @Test func terminalTableNamesTheRunAndItsFinalState() throws {
    let (run, summary) = try run()
    let text = TextTable.trainingRun(run, summary: summary)
    #expect(text.hasPrefix("3-armed bandit; rule pg, η = 0.7, intervention none\n"))
    #expect(text.contains("final H = \(NumberFormatting.terminal(run.finalEntropy))"))
  }

  /// The settings line lists every setting read with "(default)" marks, wrapped at 100 columns
  /// after a comma (one unbroken line of about 400 characters before), then the warnings.
  @Test func terminalTableListsTheSettingsWrapped() throws {
    let (run, _) = try run()
    let settings = TrainingSettings(
      rule: try UpdateRule(.ppo, parameters: .init(clipHigh: 0.28)), givenRuleSettings: [.clipHigh], intervention: .clipCov,
      interventionParameters: .init(), givenInterventionSettings: [], sampleSeed: 2, sampleSeedIsDefault: true,
      scaling: .perState, scalingIsDefault: true)
    let summary = RunSummary(
      run: run, rule: .ppo, update: try UpdateRule(.ppo), intervention: .clipCov, learningRate: 1, environment: "3-armed bandit",
      settings: settings, warnings: ["--t-high has no effect"])
    let lines = TextTable.trainingRun(run, summary: summary).split(separator: "\n").map(String.init)
    let end = try #require(lines.firstIndex { $0.hasPrefix("warning: ") })
    let block = lines[1..<end]
    #expect(block.first?.hasPrefix("settings: entropy_coefficient = 0 (default), samples_per_state = 8 (default)") == true)
    #expect(block.allSatisfy { $0.count <= 100 } && block.dropFirst().allSatisfy { $0.hasPrefix("  ") })
    let joined = block.map { $0.trimmingPrefix("  ") }.joined(separator: " ")
    #expect(joined.contains("clip_high = 0.28, dual_clip = none (default)"))
    #expect(joined.hasSuffix("sample_seed = 2 (default), scaling = per-state (default)"))
    #expect(lines[end] == "warning: --t-high has no effect")
  }
}
