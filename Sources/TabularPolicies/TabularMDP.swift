// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import GSLSupport
import SoftmaxEntropy

/// A small discounted MDP with S states, K actions, rewards r(s, a), transitions P(s'|s, a),
/// discount γ ∈ [0, 1) and initial distribution ρ₀, evaluated exactly by linear solves.
///
///     P_π(s, s') = Σ_a π(a|s) P(s'|s, a),   r_π(s) = Σ_a π(a|s) r(s, a)
///     V = (I − γ P_π)⁻¹ r_π                                     (LAPACK dgesv)
///     Q(s, a) = r(s, a) + γ Σ_s' P(s'|s, a) V(s'),   A = Q − V
///     d^π = (1 − γ) (I − γ P_πᵀ)⁻¹ ρ₀                            (normalised: Σ d^π = 1)
///     J = ρ₀ᵀ V
public struct TabularMDP: TabularEnvironment, Equatable {
  /// r(s, a).
  public let rewards: [[Double]]
  /// P(s'|s, a), indexed [s][a][s'].
  public let transitions: [[[Double]]]
  /// γ.
  public let discount: Double
  /// ρ₀.
  public let initialDistribution: [Double]

  public var stateCount: Int { rewards.count }
  public var actionCount: Int { rewards[0].count }

  /// - Throws: `TabularPolicyError` naming the malformed argument (shapes, non-finite values,
  ///   transition rows that are not distributions, γ outside [0, 1), ρ₀ not a distribution).
  /// - Complexity: O(S² K).
  public init(
    rewards: [[Double]], transitions: [[[Double]]], discount: Double, initialDistribution: [Double]? = nil
  ) throws(TabularPolicyError) {
    try require(!rewards.isEmpty, "rewards", "need at least one state")
    let s = rewards.count, k = rewards[0].count
    try require(k >= 1, "rewards", "need at least one action")
    for (i, r) in rewards.enumerated() {
      try require(r.count == k, "rewards", "state \(i) has \(r.count) actions, state 0 has \(k)")
      try requireFinite(r, "rewards[\(i)]")
    }
    try require(transitions.count == s, "transitions", "has \(transitions.count) states, rewards have \(s)")
    for i in 0..<s {
      try require(transitions[i].count == k, "transitions[\(i)]", "has \(transitions[i].count) actions, expected \(k)")
      for a in 0..<k {
        try require(transitions[i][a].count == s, "transitions[\(i)][\(a)]", "has \(transitions[i][a].count) entries, expected \(s)")
        try requireDistribution(transitions[i][a], "transitions[\(i)][\(a)]")
      }
    }
    try require(discount.isFinite && discount >= 0 && discount < 1, "discount", "γ must be in [0, 1), got \(discount)")
    let rho = initialDistribution ?? Array(repeating: 1 / Double(s), count: s)
    try require(rho.count == s, "initialDistribution", "has \(rho.count) entries for \(s) states")
    if initialDistribution != nil { try requireDistribution(rho, "initialDistribution") }
    self.rewards = rewards
    self.transitions = transitions
    self.discount = discount
    self.initialDistribution = rho
  }

  /// A random MDP from the generator, in this order: r(s, a) ~ U(0, 1) (state by state, action by
  /// action), then each P(·|s, a) ~ Dirichlet(1, …, 1) as normalised Exp(1) = −log U(0, 1]
  /// variates; ρ₀ uniform.
  ///
  /// - Complexity: O(S² K).
  public static func random(
    states: Int, actions: Int, discount: Double, generator: MersenneTwister
  ) throws(TabularPolicyError) -> TabularMDP {
    try require(states >= 1, "states", "must be ≥ 1, got \(states)")
    try require(actions >= 1, "actions", "must be ≥ 1, got \(actions)")
    let r = (0..<states).map { _ in (0..<actions).map { _ in generator.uniform() } }
    let p = (0..<states).map { _ in
      (0..<actions).map { _ -> [Double] in
        let e = (0..<states).map { _ in -Double.log(generator.uniformPositive()) }
        let total = e.reduce(0, +)
        var row = e.map { $0 / total }
        // Make the row sum to 1 to the last bit: put the rounding residue on the largest entry.
        let top = row.indices.max { row[$0] < row[$1] }!
        row[top] += 1 - row.reduce(0, +)
        return row
      }
    }
    return try TabularMDP(rewards: r, transitions: p, discount: discount)
  }

  /// Exact V, Q, d^π and J; see the type's documentation.
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
      throw TabularPolicyError(argument: "policy evaluation", problem: error.description)
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
