// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import GSLSupport
import RealModule
import SoftmaxEntropy

/// A finite discounted MDP: S states, K actions at every state, rewards r(s, a), transition
/// probabilities P(s′|s, a), discount γ ∈ [0, 1) and initial distribution ρ₀ (default uniform).
///
/// The one finite-MDP model of DeltaH: the tabular trainer (TabularPolicies) evaluates softmax
/// policies on it exactly, and the policy-cliff analysis (PolicyCliff) computes Q* and the soft
/// Q_α from it.
///
///     Q*(s, a)  = r(s, a) + γ Σ_{s′} P(s′|s, a) max_{a′} Q*(s′, a′)                 (Bellman optimality)
///     Q_α(s, a) = r(s, a) + γ Σ_{s′} P(s′|s, a) α log Σ_{a′} exp(Q_α(s′, a′)/α)       (soft Bellman)
///
/// Q* comes from value iteration or from policy iteration with exact linear solves
/// (I − γP_π)V = r_π (LAPACK `dgesv`); Q_α from soft value iteration. Both iterations are
/// γ-contractions in ‖·‖∞, stopped when the a-posteriori bound γ/(1 − γ)·‖Q_{n+1} − Q_n‖∞ on the
/// remaining error is ≤ 1e-12·max(‖r‖∞, 1)/(1 − γ).
public struct TabularMDP: Sendable, Equatable {
  /// How Q* is computed.
  public enum OptimalValueMethod: String, Sendable, CaseIterable {
    /// Value iteration to the a-posteriori tolerance.
    case valueIteration
    /// Policy iteration with exact policy evaluation by a linear solve.
    case policyIteration
  }

  /// r(s, a), indexed [s][a].
  public let rewards: [[Double]]
  /// P(s′|s, a), indexed [s][a][s′].
  public let transitions: [[[Double]]]
  /// γ ∈ [0, 1).
  public let discount: Double
  /// ρ₀, a distribution over the states.
  public let initialDistribution: [Double]

  /// S, the number of states.
  ///
  /// - Complexity: O(1).
  public var stateCount: Int { rewards.count }
  /// K, the number of actions at every state.
  ///
  /// - Complexity: O(1).
  public var actionCount: Int { rewards[0].count }

  /// An MDP after validation.
  ///
  /// - Parameter initialDistribution: ρ₀; nil means uniform over the states.
  /// - Throws: `FiniteMDPError.invalidArgument` naming the malformed argument: no state or no
  ///   action, states with different action counts, non-finite rewards, transition rows that are
  ///   not distributions over the S states (negative, non-finite, or |Σ − 1| > 1e-12), γ ∉ [0, 1),
  ///   ρ₀ not a distribution over the S states.
  /// - Complexity: O(S² K).
  public init(
    rewards: [[Double]], transitions: [[[Double]]], discount: Double, initialDistribution: [Double]? = nil
  ) throws(FiniteMDPError) {
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

  /// The most transition probabilities S² × K of a random MDP (dense, drawn one by one): 2²².
  public static let maximumRandomEntries = 1 << 22

  /// A random MDP from the generator, in this order: r(s, a) ~ U(0, 1) (state by state, action by
  /// action), then each P(·|s, a) ~ Dirichlet(1, …, 1) as normalised Exp(1) = −log U(0, 1]
  /// variates; ρ₀ uniform.
  ///
  /// - Throws: `FiniteMDPError.invalidArgument` for fewer than one state or action, more than
  ///   ``maximumRandomEntries`` transition probabilities S² × K (refused before drawing), or γ ∉ [0, 1).
  /// - Complexity: O(S² K).
  public static func random(
    states: Int, actions: Int, discount: Double, generator: MersenneTwister
  ) throws(FiniteMDPError) -> TabularMDP {
    try require(states >= 1, "states", "must be ≥ 1, got \(states)")
    try require(actions >= 1, "actions", "must be ≥ 1, got \(actions)")
    let (rows, o1) = states.multipliedReportingOverflow(by: states)
    let (entries, o2) = rows.multipliedReportingOverflow(by: actions)
    try require(
      !o1 && !o2 && entries <= maximumRandomEntries, "states × actions",
      "\(states)² × \(actions) transition probabilities is too large: at most \(maximumRandomEntries)")
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

  /// Q*, by the chosen method.
  ///
  /// - Throws: `FiniteMDPError.didNotConverge` when the iteration limit is hit,
  ///   `.linearAlgebra` when a policy-evaluation solve fails.
  /// - Complexity: value iteration O(S² K) per sweep, about log(1e-12)/log γ sweeps; policy
  ///   iteration O(S³ + S² K) per improvement step, typically a handful of steps.
  public func optimalQ(method: OptimalValueMethod = .policyIteration) throws(FiniteMDPError) -> [[Double]] {
    switch method {
    case .valueIteration:
      return try iterate { q in q.max()! }
    case .policyIteration:
      return try policyIteration()
    }
  }

  /// Q_α by soft value iteration, V(s) = α log Σ_a exp(Q_α(s, a)/α) (max-shifted).
  ///
  /// - Throws: `FiniteMDPError.invalidArgument` for α not finite and > 0, `.didNotConverge` at
  ///   the limit.
  /// - Complexity: O(S² K) per sweep.
  public func softQ(alpha: Double) throws(FiniteMDPError) -> [[Double]] {
    try require(alpha.isFinite && alpha > 0, "alpha", "the entropy temperature must be finite and > 0, got \(alpha)")
    return try iterate { q in
      let m = q.max()!
      return m + alpha * Double.log(q.reduce(0) { $0 + Double.exp(($1 - m) / alpha) })
    }
  }

  /// The soft-optimal policy π*_α(·|s) = softmax(Q_α(s, ·)/α) for every state.
  ///
  /// - Throws: as ``softQ(alpha:)``.
  /// - Complexity: as ``softQ(alpha:)``.
  public func softPolicy(alpha: Double) throws(FiniteMDPError) -> [[Double]] {
    let q = try softQ(alpha: alpha)
    var result: [[Double]] = []
    for row in q {
      do {
        result.append(try SoftmaxPolicy(logits: row, temperature: alpha).probabilities)
      } catch {
        throw .softmax(argument: "alpha", problem: "softmax(Q_α/α) is not representable", error)
      }
    }
    return result
  }

  /// The a-posteriori stopping tolerance 1e-12·max(‖r‖∞, 1)/(1 − γ).
  var stoppingTolerance: Double {
    var scale = 1.0
    for row in rewards { for r in row { scale = max(scale, abs(r)) } }
    return 1e-12 * scale / (1 - discount)
  }

  private func backup(_ v: [Double]) -> [[Double]] {
    var q = rewards
    for s in 0..<stateCount {
      for a in rewards[s].indices {
        q[s][a] = rewards[s][a] + discount * compensatedDot(transitions[s][a], v)
      }
    }
    return q
  }

  private func iterate(_ value: ([Double]) -> Double) throws(FiniteMDPError) -> [[Double]] {
    var q = rewards
    let tolerance = stoppingTolerance
    for _ in 0..<200_000 {
      let next = backup(q.map(value))
      var change = 0.0
      for s in q.indices { for a in q[s].indices { change = max(change, abs(next[s][a] - q[s][a])) } }
      q = next
      if discount == 0 || discount / (1 - discount) * change <= tolerance { return q }
    }
    throw .didNotConverge("value iteration did not reach \(tolerance) in 200000 sweeps")
  }

  private func policyIteration() throws(FiniteMDPError) -> [[Double]] {
    let n = stateCount
    var policy = rewards.map { row in row.indices.max { row[$0] < row[$1] }! }
    let keep = stoppingTolerance
    for _ in 0..<10_000 {
      var a = Matrix.identity(n)
      var b = [Double](repeating: 0, count: n)
      for s in 0..<n {
        b[s] = rewards[s][policy[s]]
        for t in 0..<n { a[s, t] -= discount * transitions[s][policy[s]][t] }
      }
      let v: [Double]
      do {
        v = try solveLinearSystem(a, b)
      } catch {
        throw .linearAlgebra(error)
      }
      let q = backup(v)
      var changed = false
      for s in 0..<n {
        let best = q[s].max()!
        // Keep the current action unless another is better by more than the rounding of the
        // solve, so that exact ties cannot make the iteration cycle.
        if q[s][policy[s]] < best - keep {
          policy[s] = q[s].indices.first { q[s][$0] == best }!
          changed = true
        }
      }
      if !changed { return q }
    }
    throw .didNotConverge("policy iteration did not stabilise in 10000 improvement steps")
  }
}
