// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import FiniteMDP
import SoftmaxEntropy

/// Exact evaluation of a tabular softmax policy on a finite MDP by linear solves:
///
///     P_π(s, s') = Σ_a π(a|s) P(s'|s, a),   r_π(s) = Σ_a π(a|s) r(s, a)
///     V = (I − γ P_π)⁻¹ r_π                                     (LAPACK dgesv)
///     Q(s, a) = r(s, a) + γ Σ_s' P(s'|s, a) V(s'),   A = Q − V
///     d^π = (1 − γ) (I − γ P_πᵀ)⁻¹ ρ₀                            (normalised: Σ d^π = 1)
///     J = ρ₀ᵀ V
extension TabularMDP: TabularEnvironment {
  /// Exact V, Q, d^π and J; see the extension's documentation.
  ///
  /// - Throws: `TabularPolicyError` if the policies do not match the MDP or a solve fails.
  /// - Complexity: O(S³ + S² K).
  public func evaluate(_ policies: [SoftmaxPolicy]) throws(TabularPolicyError) -> PolicyEvaluation {
    let s = stateCount, k = actionCount
    try require(policies.count == s, "policies", "has \(policies.count) states, MDP has \(s)")
    var m = Matrix.identity(s)  // I − γ P_π
    var rPi = [Double](repeating: 0, count: s)
    for i in 0..<s {
      let pi = policies[i].probabilities
      try require(pi.count == k, "policies[\(i)]", "has \(pi.count) actions, MDP has \(k)")
      rPi[i] = compensatedDot(pi, rewards[i])
      for a in 0..<k where pi[a] != 0 {
        let row = transitions[i][a]
        for j in 0..<s { m[i, j] -= discount * pi[a] * row[j] }
      }
    }
    let v: [Double]
    let x: [Double]
    do {
      v = try solveLinearSystem(m, rPi)
      x = try solveLinearSystem(m.transposed, initialDistribution)
    } catch {
      throw TabularPolicyError(argument: "policy evaluation", cause: .linearAlgebra(error))
    }
    let q = (0..<s).map { i in
      (0..<k).map { a in rewards[i][a] + discount * compensatedDot(transitions[i][a], v) }
    }
    let d = x.map { (1 - discount) * $0 }
    let values = (0..<s).map { policies[$0].expectation(q[$0]) }
    return PolicyEvaluation(
      stateWeights: d, actionValues: q, stateValues: values,
      expectedReturn: compensatedDot(initialDistribution, v))
  }
}
