// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import Testing

/// Entrocraft's released code (verl) counts training steps from 1 and anneals its bounds over
/// step/T, so the first update already moves 1/T along the schedule and the last one uses the end
/// bounds. The trainer passed its 0-based step index: its first step used the start bounds and its
/// last stopped at (T − 1)/T, never reaching the end bounds.
@Suite("Entrocraft in the trainer: step t of T (0-based) uses the bounds at (t + 1)/T")
struct EntrocraftScheduleTests {
  /// Bounds (0.6, 0.7) → (0.1, 0.2) over T = 10 steps.
  let intervention = EntropyIntervention.entrocraft(try! EntrocraftController(totalSteps: 10))

  func weights(entropy: Double, step: Int) throws -> [Double] {
    let tokens = SampledStepTokens(
      advantages: [1, -1, 0.5, -0.5], groupSize: 2, polarities: Array(repeating: 0, count: 4), batchEntropy: entropy,
      step: step, entropyHistory: [entropy])
    return try intervention.stepWeights(tokens).weights
  }

  @Test func theLastStepUsesTheEndBounds() throws {
    // H = 0.12 lies in the end band (0.1, 0.2): nothing is dropped. At 9/10 the band would be
    // (0.15, 0.25) and H below it would keep only A ≤ 0 (weights 0, 1).
    #expect(try weights(entropy: 0.12, step: 9) == [1, 1, 1, 1])
  }

  @Test func theFirstStepHasMovedOneStepAlong() throws {
    // H = 0.58: below the start band (0.6, 0.7) but inside the band at 1/10, (0.55, 0.65).
    #expect(try weights(entropy: 0.58, step: 0) == [1, 1, 1, 1])
    // Below that band the negative-sample branch acts: the A ≤ 0 token of each group weighs 1.
    #expect(try weights(entropy: 0.5, step: 0) == [0, 1, 0, 1])
  }
}
