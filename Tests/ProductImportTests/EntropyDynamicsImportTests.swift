// DeltaH — entropy change of softmax policies.

// This file imports EntropyDynamics alone (file-scoped imports): every name below must come
// through it, as for a package that depends on the `EntropyDynamics` product only.
import EntropyDynamics
import Testing

@Suite struct EntropyDynamicsImportTests {
  /// `SoftmaxPolicy` and `SoftmaxError` (SoftmaxEntropy) are re-exported: the entropy change of a
  /// logit step needs them. Before the re-export this file did not compile ("cannot find
  /// 'SoftmaxPolicy' in scope").
  @Test func entropyChangeOfAStepFromOneImport() throws {
    let policy = try SoftmaxPolicy(logits: [2, 1, 0, -1])
    let change = try entropyChange(of: policy, logitStep: [0.01, 0, 0, -0.01])
    // First-order error O(‖Δz‖²) = O(1e-4) relative to a change of O(1e-2): 1e-3 absolute is loose
    // enough for the quadratic term (|½Δxᵀ∇²HΔx| ≤ 1e-4 here) and fails for a wrong sign or scale.
    #expect(abs(change.actual - change.firstOrder) < 1e-3)
    #expect(change.actual < 0)  // moving mass to the most probable action lowers H
    #expect(throws: SoftmaxError.self) { try entropyChange(of: policy, logitStep: [1]) }
  }
}
