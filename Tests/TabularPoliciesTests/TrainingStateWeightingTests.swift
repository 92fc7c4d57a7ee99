// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import Synchronization
import TabularPolicies
import Testing
import _TestSupport

/// Records every (step, history) a trainer hands to a run-dependent rule; w = 1, no offsets.
struct RecordingRule: TrainingStateTokenWeighting {
  final class Log: Sendable {
    let calls = Mutex<[(step: Int, history: [Double])]>([])
  }
  let log: Log
  var name: String { "recording" }
  func atTrainingState(step: Int, entropyHistory: [Double]) -> RecordingRule {
    log.calls.withLock { $0.append((step, entropyHistory)) }
    return self
  }
  func weights(for tokens: TokenBatch) -> [Double] { Array(repeating: 1, count: tokens.count) }
}

@Suite("Run-dependent token weightings in the sampled trainer (kl-cov-annealed, epo)")
struct TrainingStateWeightingTests {
  func trainer(_ intervention: EntropyIntervention, epochs: Int = 2) throws -> TabularTrainer {
    try TabularTrainer(
      environment: ContextualBandit(rewards: [[1, 0.5, 0.2, 0], [0.1, 0.9, 0.3, 0.3]]),
      initialLogits: [[0, 0, 0, 0], [0.5, 0, -0.5, 0]],
      rule: .sampled(SampledUpdate(samplesPerState: 8, epochs: epochs, intervention: intervention)),
      learningRate: 0.8, seed: 9)
  }

  /// Each epoch of step t sees t and exactly the entropies of the recorded steps 0 … t−1.
  @Test func trainerPassesTheStepAndTheEarlierEntropies() throws {
    let log = RecordingRule.Log()
    let run = try trainer(.tokenWeighting(RecordingRule(log: log))).run(steps: 5)
    let calls = log.calls.withLock { $0 }
    #expect(calls.map(\.step) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    for c in calls { #expect(c.history == run.steps.prefix(c.step).map(\.entropy)) }
    // w = 1 without offsets is the plain PPO surrogate: the same trajectory as `.none`.
    #expect(run.steps.map(\.entropy) == (try trainer(.none).run(steps: 5)).steps.map(\.entropy))
  }

  /// A constant schedule (β₀ → β₀) equals KL-Cov with β₀ bit for bit; a schedule that drops β to
  /// 0 after step 0 agrees with it on the first update only.
  @Test func annealedKLCovUsesTheStepsCoefficient() throws {
    let constant = KLCovAnnealing(initialCoefficient: 2, schedule: .linear(final: 2, steps: 1), ratio: 0.2)
    let fixed = KLCovWeighting(ratio: 0.2, coefficient: 2)
    let dropping = KLCovAnnealing(initialCoefficient: 2, schedule: .linear(final: 0, steps: 1), ratio: 0.2)
    let a = try trainer(.tokenWeighting(constant), epochs: 4).run(steps: 8).steps.map(\.entropy)
    let b = try trainer(.tokenWeighting(fixed), epochs: 4).run(steps: 8).steps.map(\.entropy)
    let c = try trainer(.tokenWeighting(dropping), epochs: 4).run(steps: 8).steps.map(\.entropy)
    #expect(a == b)
    #expect(c[1] == b[1])
    #expect(c != b)
    #expect(dropping.atTrainingState(step: 3, entropyHistory: [1]).step == 3)
    #expect(try dropping.atTrainingState(step: 3, entropyHistory: []).coefficient(atStep: 3) == 0)
  }

  /// EPO's rule at step t has H̄_hist = the mean of the entropies before t, and its coefficient is
  /// the closed form −2β(H − H̄) outside the band.
  @Test func epoSmoothsTowardTheRunsHistory() throws {
    let epo = EPOEntropySmoothing(history: [], coefficient: 0.5, band: (0.9, 1.1))
    let bound = epo.atTrainingState(step: 2, entropyHistory: [1.0, 0.5])
    #expect(bound.history == [1.0, 0.5])
    #expect(try bound.entropyCoefficient(batchEntropy: 0.25) == -2 * 0.5 * (0.25 - 0.75))
    #expect(try bound.entropyCoefficient(batchEntropy: 0.75) == 0)
    // In the trainer, EPO with a strong pull changes the trajectory after step 0 only (empty history).
    let strong = EPOEntropySmoothing(history: [], coefficient: 5, band: (1, 1))
    let e = try trainer(.tokenWeighting(strong)).run(steps: 6).steps.map(\.entropy)
    let none = try trainer(.none).run(steps: 6).steps.map(\.entropy)
    #expect(e[1] == none[1])
    #expect(e != none)
  }
}

@Suite("SIREN's top-p mask in the sampled trainer")
struct SIRENTopPTrainerTests {
  func entropies(_ siren: SIRENEntropyBonus) throws -> [Double] {
    try TabularTrainer(
      environment: ContextualBandit(rewards: [[1, 0.5, 0.2, 0], [0.1, 0.9, 0.3, 0.3]]),
      initialLogits: [[0, 0, 0, 0], [0.5, 0, -0.5, 0]],
      rule: .sampled(SampledUpdate(samplesPerState: 8, epochs: 2, intervention: .tokenWeighting(siren))),
      learningRate: 0.8, seed: 9
    ).run(steps: 10).steps.map(\.entropy)
  }

  /// The trainer hands SIREN the policies: p = 1 follows the full-entropy bonus (1e-9: the
  /// offsets agree to ~1e-15 per token, compounded over 10 steps), p = 0.5 does not.
  @Test func trainerUsesThePoliciesForTheTopPMask() throws {
    let plain = try entropies(SIRENEntropyBonus(coefficient: 0.5, peakRatio: 1))
    let one = try entropies(SIRENEntropyBonus(coefficient: 0.5, peakRatio: 1, topP: 1))
    let half = try entropies(SIRENEntropyBonus(coefficient: 0.5, peakRatio: 1, topP: 0.5))
    for (a, b) in zip(plain, one) { #expect(abs(a - b) < 1e-9) }
    #expect(zip(plain, half).map { abs($0 - $1) }.max()! > 1e-6)
  }
}
