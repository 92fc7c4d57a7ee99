// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import RealModule
import SoftmaxEntropy

/// A finite discounted MDP: transition probabilities P(s′|s, a), rewards R(s, a), discount γ.
///
///     Q*(s, a)  = R(s, a) + γ Σ_{s′} P(s′|s, a) max_{a′} Q*(s′, a′)                 (Bellman optimality)
///     Q_α(s, a) = R(s, a) + γ Σ_{s′} P(s′|s, a) α log Σ_{a′} exp(Q_α(s′, a′)/α)       (soft Bellman)
///
/// Q* comes from value iteration or from policy iteration with exact linear solves
/// (I − γP_π)V = R_π (LAPACK `dgesv`); Q_α from soft value iteration. Both iterations are
/// γ-contractions in ‖·‖∞, stopped when the a-posteriori bound γ/(1 − γ)·‖Q_{n+1} − Q_n‖∞ on the
/// remaining error is ≤ 1e-12·max(‖R‖∞, 1)/(1 − γ).
public struct TabularMDP: Sendable, Equatable {
  /// How Q* is computed.
  public enum OptimalValueMethod: String, Sendable, CaseIterable {
    /// Value iteration to the a-posteriori tolerance.
    case valueIteration
    /// Policy iteration with exact policy evaluation by a linear solve.
    case policyIteration
  }

  /// P[s][a][s′].
  public let transitions: [[[Double]]]
  /// R[s][a].
  public let rewards: [[Double]]
  /// γ ∈ [0, 1).
  public let gamma: Double

  /// An MDP after validation.
  ///
  /// - Throws: `PolicyCliffError.invalidArgument` for inconsistent shapes, non-finite rewards,
  ///   transition rows that are not distributions (negative, or |Σ − 1| > 1e-12), or γ ∉ [0, 1).
  /// - Complexity: O(S² A).
  public init(transitions: [[[Double]]], rewards: [[Double]], gamma: Double) throws(PolicyCliffError) {
    try requireDiscount(gamma)
    let s = rewards.count
    guard s > 0, transitions.count == s else {
      throw .invalidArgument("\(rewards.count) reward rows but \(transitions.count) transition blocks")
    }
    for state in 0..<s {
      try requireFinite(rewards[state], "rewards[\(state)]")
      guard transitions[state].count == rewards[state].count else {
        throw .invalidArgument("state \(state) has \(rewards[state].count) rewards but \(transitions[state].count) transition rows")
      }
      for (a, row) in transitions[state].enumerated() {
        guard row.count == s, row.allSatisfy({ $0 >= 0 && $0.isFinite }),
          abs(compensatedSum(row) - 1) <= 1e-12
        else {
          throw .invalidArgument("P(·|\(state), \(a)) is not a probability distribution over \(s) states")
        }
      }
    }
    self.transitions = transitions
    self.rewards = rewards
    self.gamma = gamma
  }

  /// The number of states.
  ///
  /// - Complexity: O(1).
  public var stateCount: Int { rewards.count }

  /// Q*, by the chosen method.
  ///
  /// - Throws: `PolicyCliffError.didNotConverge` when the iteration limit is hit or the linear
  ///   solve fails.
  /// - Complexity: value iteration O(S² A) per sweep, about log(1e-12)/log γ sweeps; policy
  ///   iteration O(S³ + S² A) per improvement step, typically a handful of steps.
  public func optimalQ(method: OptimalValueMethod = .policyIteration) throws(PolicyCliffError) -> [[Double]] {
    switch method {
    case .valueIteration:
      return try iterate { q in q.max()! }
    case .policyIteration:
      return try policyIteration()
    }
  }

  /// Q_α by soft value iteration, V(s) = α log Σ_a exp(Q_α(s, a)/α) (max-shifted).
  ///
  /// - Throws: `PolicyCliffError.invalidArgument` for α ≤ 0, `.didNotConverge` at the limit.
  /// - Complexity: O(S² A) per sweep.
  public func softQ(alpha: Double) throws(PolicyCliffError) -> [[Double]] {
    try requireTemperature(alpha)
    return try iterate { q in
      let m = q.max()!
      return m + alpha * Double.log(q.reduce(0) { $0 + Double.exp(($1 - m) / alpha) })
    }
  }

  /// The soft-optimal policy π*_α(·|s) = softmax(Q_α(s, ·)/α) for every state.
  ///
  /// - Throws: as ``softQ(alpha:)``.
  /// - Complexity: as ``softQ(alpha:)``.
  public func softPolicy(alpha: Double) throws(PolicyCliffError) -> [[Double]] {
    let q = try softQ(alpha: alpha)
    var result: [[Double]] = []
    for row in q {
      do {
        result.append(try SoftmaxPolicy(logits: row, temperature: alpha).probabilities)
      } catch {
        throw .invalidArgument("softmax(Q_α/α) is not representable: \(error)")
      }
    }
    return result
  }

  /// The a-posteriori stopping tolerance 1e-12·max(‖R‖∞, 1)/(1 − γ).
  var stoppingTolerance: Double {
    var scale = 1.0
    for row in rewards { for r in row { scale = max(scale, abs(r)) } }
    return 1e-12 * scale / (1 - gamma)
  }

  private func backup(_ v: [Double]) -> [[Double]] {
    var q = rewards
    for s in 0..<stateCount {
      for a in rewards[s].indices {
        let expected = compensatedSum(zip(transitions[s][a], v).lazy.map { $0 * $1 })
        q[s][a] = rewards[s][a] + gamma * expected
      }
    }
    return q
  }

  private func iterate(_ value: ([Double]) -> Double) throws(PolicyCliffError) -> [[Double]] {
    var q = rewards
    let tolerance = stoppingTolerance
    for _ in 0..<200_000 {
      let next = backup(q.map(value))
      var change = 0.0
      for s in q.indices { for a in q[s].indices { change = max(change, abs(next[s][a] - q[s][a])) } }
      q = next
      if gamma == 0 || gamma / (1 - gamma) * change <= tolerance { return q }
    }
    throw .didNotConverge("value iteration did not reach \(tolerance) in 200000 sweeps")
  }

  private func policyIteration() throws(PolicyCliffError) -> [[Double]] {
    let n = stateCount
    var policy = rewards.map { row in row.indices.max { row[$0] < row[$1] }! }
    let keep = stoppingTolerance
    for _ in 0..<10_000 {
      var a = Matrix.identity(n)
      var b = [Double](repeating: 0, count: n)
      for s in 0..<n {
        b[s] = rewards[s][policy[s]]
        for t in 0..<n { a[s, t] -= gamma * transitions[s][policy[s]][t] }
      }
      let v: [Double]
      do {
        v = try solveLinearSystem(a, b)
      } catch {
        throw .didNotConverge("policy evaluation failed: \(error)")
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
