// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import SoftmaxEntropy
import TabularPolicies
import Testing
import _TestSupport

@Suite("Intervention sweep: intervals, determinism, agreement with single runs")
struct InterventionSweepTests {
  @Test func intervalIsStudentT() throws {
    let v = [1.0, 2, 3, 4, 6]
    let i = try #require(InterventionSweep.Interval(v))
    let sd = (v.map { ($0 - 3.2) * ($0 - 3.2) }.reduce(0, +) / 4).squareRoot()
    // t_{0.975, 4} = 2.7764451052 (standard tables).
    #expect(abs(i.mean - 3.2) < 1e-15)
    #expect(abs(i.halfWidth! - 2.7764451052 * sd / 5.0.squareRoot()) < 1e-9)
    #expect(InterventionSweep.Interval([5])!.halfWidth == nil)
    #expect(InterventionSweep.Interval([]) == nil)
  }

  func sweep() throws -> InterventionSweep {
    InterventionSweep(
      environment: try ContextualBandit(rewards: [[1, 0.5, 0.2, 0], [0.1, 0.9, 0.3, 0.3]]),
      initialLogits: [[0, 0, 0, 0], [0.5, 0, -0.5, 0]], rules: [.reinforce, .ppo],
      interventions: [("none", .none), ("cispo", .tokenWeighting(CISPOWeighting())), ("clip-cov", .clipCov())],
      seeds: [3, 4, 5], steps: 25, learningRate: 0.5)
  }

  @Test func threadCountDoesNotChangeTheResult() throws {
    let s = try sweep()
    #expect(try s.run(threads: 1) == s.run(threads: 2))
  }

  @Test func cellsSummariseTheIndividualRuns() throws {
    let s = try sweep()
    let cells = try s.run(threads: 2)
    #expect(cells.count == 6)
    let cell = cells.first { $0.rule == .ppo && $0.intervention == "cispo" }!
    let runs = try [3, 4, 5].map { try s.run(rule: .ppo, intervention: .tokenWeighting(CISPOWeighting()), seed: UInt64($0)) }
    #expect(abs(cell.finalEntropy.mean - runs.map(\.finalEntropy).reduce(0, +) / 3) < 1e-15)
    // A direct trainer run with the same settings gives the same final entropy.
    let trainer = try TabularTrainer(
      environment: ContextualBandit(rewards: [[1, 0.5, 0.2, 0], [0.1, 0.9, 0.3, 0.3]]),
      initialLogits: [[0, 0, 0, 0], [0.5, 0, -0.5, 0]],
      rule: .sampled(SampledUpdate(epochs: 4, intervention: .tokenWeighting(CISPOWeighting()))), learningRate: 0.5, seed: 4)
    #expect(try trainer.run(steps: 25).finalEntropy == runs[1].finalEntropy)
    #expect(cell.meanEntropyCurve.count == 26)
    #expect(cell.meanEntropyCurve[0] == runs[0].entropyCurve[0])  // same start for every seed
  }
}
