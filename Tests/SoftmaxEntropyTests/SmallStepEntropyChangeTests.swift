// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy
import Testing

/// The exact entropy change of small steps against a 60-digit mpmath computation of
/// H(softmax((z + Δz)/T)) − H(softmax(z/T)) (`mp.dps = 60`, the decimal steps as written). The
/// cancellation-free form keeps ~1e-15 relative accuracy (float64 numpy of the same formula:
/// ≤ 3e-16); the tolerance 1e-13 relative leaves room for summation order. The difference of
/// two entropies is off by ~1e-16 absolute: 5 % at Δz = 1e-14, and 7e-9 relative for the O(δ²)
/// change of a uniform policy at Δz = 1e-6.
@Suite("Cancellation-free entropy change of small steps")
struct SmallStepEntropyChangeTests {
  @Test(arguments: [
    ([2.0, 1, 0, -1], [0, 1e-12, 0, 0], 1.0, 1.1670096810831799909e-13),
    ([2.0, 1, 0, -1], [0, 1e-14, 0, 0], 1.0, 1.1670096810837708095e-15),
    ([0.0, 0], [1e-6, 0], 1.0, -1.24999999999984375e-13),
    ([2.0, 1, 0, -1], [1e-10, -3e-10, 2e-10, 0], 0.7, -9.4777054122885682091e-11),
    ([30.0, 0, 0], [1e-9, 0, 0], 1.0, -5.6145737785882925403e-21),
    ([0.0, 0, 0], [1e-5, -1e-5, 0], 1.0, -3.33333333325e-11),
    ([1.0, 0], [0.5, -0.25], 1.0, -0.16289636189467415593),
  ])
  func matchesHighPrecision(z: [Double], step: [Double], t: Double, expected: Double) throws {
    let policy = try SoftmaxPolicy(logits: z, temperature: t)
    let change = try #require(policy.smallStepEntropyChange(policyLogitStep: step.map { $0 / t }))
    #expect(abs(change - expected) <= 1e-13 * abs(expected), "\(change) vs \(expected)")
  }

  @Test func largeOrNonFiniteStepsAreLeftToTheDifference() throws {
    let policy = try SoftmaxPolicy(logits: [2, 1, 0, -1])
    #expect(policy.smallStepEntropyChange(policyLogitStep: [1, 0, 0, 0]) != nil)  // |δ| ≤ 1
    #expect(policy.smallStepEntropyChange(policyLogitStep: [0, 1.5, 0, 0]) == nil)
    #expect(policy.smallStepEntropyChange(policyLogitStep: [0, .nan, 0, 0]) == nil)
    #expect(policy.smallStepEntropyChange(policyLogitStep: [0, 0, 0, 0]) == 0)
  }
}
