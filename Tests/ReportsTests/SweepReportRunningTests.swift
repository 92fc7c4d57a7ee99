// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import Reports
import TabularPolicies
import Testing

/// `InterventionSweepReport(sweeping:…)`, the one library call behind `deltah sweep`: the cells are
/// those of the sweep wired by hand (seeds seed + 1 … seed + runs, interventions at their
/// defaults with Entrocraft annealed over the steps), and bad settings are refused by name.
@Suite("A sweep run and reported by one library call")
struct SweepReportRunningTests {
  static let problem = try! TabularProblem.randomBandit(states: 2, actions: 4, seed: 7)

  @Test func theCellsAreTheHandWiredSweepsAndTheProvenanceNamesTheSeeds() throws {
    let report = try InterventionSweepReport(
      sweeping: Self.problem, rules: [.grpo], interventions: [.none, .entrocraft], seed: 7, runs: 2, steps: 5, learningRate: 0.5,
      samplesPerState: 4, threads: 2)
    let sweep = InterventionSweep(
      environment: Self.problem.environment, initialLogits: Self.problem.initialLogits, rules: [.grpo],
      interventions: [("none", .none), ("entrocraft", try EntropyIntervention(.entrocraft, totalSteps: 5))], seeds: [8, 9], steps: 5,
      learningRate: 0.5, samplesPerState: 4)
    #expect(report.cells == (try sweep.run(threads: 1)))
    let runs = report.provenance.settings.first { $0.name == "runs" }?.value
    #expect(runs == "2 (sampling seeds 8…9)")
    #expect(report.provenance.settings.first { $0.name == "environment" }?.value == Self.problem.description)
  }

  @Test func seedsThatOverflowAndInterventionsWithoutDefaultsAreRefused() throws {
    // Int.max runs aborted allocating the seeds before the count was checked here.
    #expect(throws: TabularPolicyError.self) {
      try InterventionSweepReport(
        sweeping: Self.problem, rules: [.grpo], interventions: [.none], seed: 0, runs: .max, steps: 2, learningRate: 0.5,
        samplesPerState: 4, threads: 1)
    }
    #expect(throws: TabularPolicyError.self) {
      try InterventionSweepReport(
        sweeping: Self.problem, rules: [.grpo], interventions: [.none], seed: .max - 1, runs: 2, steps: 2, learningRate: 0.5,
        samplesPerState: 4, threads: 1)
    }
    do {
      _ = try InterventionSweepReport(
        sweeping: Self.problem, rules: [.grpo], interventions: [.polarity], seed: 0, runs: 1, steps: 2, learningRate: 0.5,
        samplesPerState: 4, threads: 1)
      Issue.record("polarity ran without a target")
    } catch {
      #expect(error.argument == "polarityTarget" && error.cause != nil)
    }
  }
}
