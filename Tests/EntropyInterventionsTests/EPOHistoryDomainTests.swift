// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import Testing

/// EPO's history holds entropies: a negative one (before: accepted, giving an inverted band and a
/// bonus on every batch) is refused.
@Suite("EPO: the entropy history is non-negative")
struct EPOHistoryDomainTests {
  @Test func negativeHistoryIsRefused() throws {
    #expect(throws: InterventionError.self) { try EPOEntropySmoothing(history: [1, -1]).entropyCoefficient(batchEntropy: 1) }
    #expect(throws: InterventionError.self) { try EPOEntropySmoothing(history: [.nan]).entropyCoefficient(batchEntropy: 1) }
    // Inside the band [0.5, 1.5]·H̄ = [0.5, 1.5]: no smoothing; above it α = −2β(H − H̄).
    #expect(try EPOEntropySmoothing(history: [1, 1]).entropyCoefficient(batchEntropy: 1.2) == 0)
    #expect(try EPOEntropySmoothing(history: [0, 2]).entropyCoefficient(batchEntropy: 2) == -2 * 0.01 * (2 - 1))
  }
}
