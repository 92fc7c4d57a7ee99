// DeltaH — entropy change of softmax policies.

import PolicyCliff
import SoftmaxEntropy
import Testing

/// A soft policy that cannot be formed surfaces the softmax error itself, nested in
/// ``PolicyCliffError/softmax(_:)``, not a message re-wrapped as a string.
@Suite("PolicyCliffError nests the softmax error")
struct PolicyCliffErrorNestingTests {
  /// α = 1e-310 passes the temperature check (finite, > 0) but 1/α overflows, so softmax(Q/α)
  /// rejects its temperature.
  @Test func softPolicyStabilityAndPolicyJumpNestSoftmaxError() {
    let alpha = 1e-310
    let expected = PolicyCliffError.softmax(.invalidTemperature(alpha))
    #expect(throws: expected) { try SoftPolicyStability(values: [1, 0], alpha: alpha) }
    #expect(throws: expected) { try PolicyJump(values: [1, 0], perturbed: [0, 1], alpha: alpha) }
    #expect(expected.description.hasPrefix("softmax(Q/α) is not representable: temperature"))
  }
}
