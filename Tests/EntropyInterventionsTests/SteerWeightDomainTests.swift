// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import Testing

/// STEER's linear weights are loss weights in [w_min, w_max]: a negative w_min (before: accepted,
/// `bandit --intervention steer-linear --steer-min -1` reversed the update of the largest-|Ω|
/// tokens) is refused.
@Suite("STEER: weight bounds are non-negative")
struct SteerWeightDomainTests {
  @Test func negativeMinimumIsRefused() throws {
    #expect(throws: InterventionError.self) { try SteerWeighting.linear(minimum: -1, maximum: 1.2).weights(omegas: [0.1, 0.5]) }
    #expect(try SteerWeighting.linear(minimum: 0, maximum: 1).weights(omegas: [0.1, 0.5]) == [1, 0])
  }
}
