// DeltaH — entropy change of softmax policies.

import PolicyCliff
import Testing

/// The policy-cliff analysis of an MDP nests the error of the layer that failed (a rejected
/// argument, a finite-MDP failure) instead of re-wording it as a string.
@Suite("MDPStability nests its errors")
struct MDPStabilityErrorTests {
  let mdp = try! TabularMDP(rewards: [[1, 0], [0, 1]], transitions: [[[1, 0], [0, 1]], [[0, 1], [1, 0]]], discount: 0.9)

  @Test func aRejectedTemperatureIsThePolicyCliffError() {
    let e = #expect(throws: MDPStabilityError.self) { try MDPStability(mdp: mdp, alpha: 0) }
    guard case .policyCliff(.invalidArgument(let message))? = e else {
      Issue.record("expected .policyCliff(.invalidArgument), got \(String(describing: e))")
      return
    }
    #expect(e?.description == message && message.contains("alpha = 0.0 is invalid"))
  }

  @Test func aFiniteMDPFailureIsNestedWithItsWording() {
    // 1/α overflows: the soft value iteration (FiniteMDP) rejects it, and its error is kept.
    let e = #expect(throws: MDPStabilityError.self) { try MDPStability(mdp: mdp, alpha: Double("1e-310")!) }
    guard case .finiteMDP(let inner)? = e else {
      Issue.record("expected .finiteMDP, got \(String(describing: e))")
      return
    }
    #expect(e?.description == inner.description)
  }
}
