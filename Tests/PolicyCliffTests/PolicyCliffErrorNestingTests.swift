// DeltaH — entropy change of softmax policies.

import PolicyCliff
import SoftmaxEntropy
import Testing

/// A soft policy that cannot be formed surfaces the softmax error itself, nested in
/// ``PolicyCliffError/softmax(_:)``, not a message re-wrapped as a string.
@Suite("PolicyCliffError nests the softmax error")
struct PolicyCliffErrorNestingTests {
  /// The case carries the softmax error itself and words it after the softmax layer.
  @Test func theSoftmaxCaseNestsTheSoftmaxError() {
    let nested = SoftmaxError.invalidTemperature(Double("1e-310")!)
    let expected = PolicyCliffError.softmax(nested)
    #expect(expected.description == "softmax(Q/α) is not representable: \(nested)")
  }

  /// α = 1e-310 passes the temperature check (finite, > 0) but 1/α overflows, so softmax(Q/α)
  /// rejected its temperature and both initialisers threw `.softmax(.invalidTemperature(α))`.
  /// Changed on purpose: π_α is defined there (the uniform policy on the ties) and is now formed
  /// from (Q − max Q)/α when Q/α is beyond Double's range (ExtremeTemperatureTests), so the
  /// analysis answers instead of refusing. SoftPolicyStability still refuses this α, as an
  /// invalid argument: its bound 1/(2α) is beyond Double's range
  /// (ExtremeTemperatureTests.aBoundBeyondDoublesRangeIsRefused).
  @Test func aTemperatureWhoseReciprocalOverflowsIsAnalysed() throws {
    let alpha = Double("1e-310")!
    #expect(try PolicyJump(values: [1, 0], perturbed: [0, 1], alpha: alpha).softTV == 1)
  }
}
