// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy

/// The full distribution of every token's position, shared by rows: token t was sampled as
/// index `sampled[t]` from `rows[row[t]]` (for the tabular trainer: one row per state).
public struct TokenDistributions: Sendable, Equatable {
  /// Probability vectors.
  public var rows: [[Double]]
  /// The row of each token.
  public var row: [Int]
  /// The sampled index y_t of each token.
  public var sampled: [Int]

  public init(rows: [[Double]], row: [Int], sampled: [Int]) {
    self.rows = rows
    self.row = row
    self.sampled = sampled
  }
}

/// The top-p nucleus of one distribution π (SIREN's top-p mask; **interpretation**):
///
///     N = the smallest set of the most probable indices with P_N = Σ_{a∈N} π_a ≥ p
///         (descending π, ties by ascending index; all of π's support when rounding leaves
///         Σ π < p), q_a = π_a / P_N on N,
///     H_N = −Σ_{a∈N} q_a log q_a   (the renormalised nucleus entropy)
///
/// The gradient of H_N in the logits (N held fixed) is v_a = −q_a (log q_a + H_N) on N, 0
/// elsewhere, and Σ_a v_a = 0; its sampled-token estimator is the advantage offset
/// b(y) = v_y/π_y = −(log q_y + H_N)/P_N for y ∈ N, 0 otherwise, because
/// E_{y∼π}[b(y)(e_y − π)] = v − π Σ v = v. With p = 1 (N = the support), b(y) = −(log π_y + H),
/// the full-entropy offset of ``entropyBonusOffsets(coefficients:tokens:)``.
public struct TopPNucleus: Sendable, Equatable {
  /// The indices of N, most probable first.
  public let members: [Int]
  /// P_N.
  public let mass: Double
  /// H_N (nats).
  public let entropy: Double

  /// Builds the nucleus of `probabilities` at level `p`.
  ///
  /// - Throws: `InterventionError` for p ∉ (0, 1], an empty vector, or a negative or non-finite
  ///   probability.
  /// - Complexity: O(K log K).
  public init(probabilities pi: [Double], p: Double) throws(InterventionError) {
    try checkFraction(p, name: "topP")
    guard !pi.isEmpty, pi.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw InterventionError(argument: "probabilities", problem: "need a non-empty vector of finite probabilities ≥ 0")
    }
    let order = pi.indices.filter { pi[$0] > 0 }.sorted { pi[$0] > pi[$1] || (pi[$0] == pi[$1] && $0 < $1) }
    var members: [Int] = []
    var mass = 0.0
    for a in order {
      members.append(a)
      mass += pi[a]
      if mass >= p { break }
    }
    mass = compensatedSum(members.map { pi[$0] })
    self.members = members
    self.mass = mass
    self.entropy = -compensatedSum(members.map { a in
      let q = pi[a] / mass
      return q * Double.log(q)
    })
  }

  /// The sampled-token offset b(y) = −(log q_y + H_N)/P_N for y ∈ N, else 0, of the bonus H_N.
  ///
  /// - Complexity: O(|N|).
  public func bonusOffset(probabilities pi: [Double], sampled y: Int) -> Double {
    guard members.contains(y) else { return 0 }
    return -(Double.log(pi[y] / mass) + entropy) / mass
  }
}

extension SIRENEntropyBonus {
  /// The offsets b_t = −α m_t b_N(y_t) of the top-p-masked bonus: at each peak position, the
  /// sampled-token estimator of α H_{N_t} (``TopPNucleus``) from the token's full distribution.
  /// Without `tokens.distributions` the full-vocabulary H_t stands in (the peak mask only).
  ///
  /// - Throws: `InterventionError` as ``TopPNucleus`` or for distributions of the wrong length.
  /// - Complexity: O(N log N + Σ_rows K log K).
  func topPOffsets(p: Double, tokens: TokenBatch, mask m: [Bool]) throws(InterventionError) -> [Double]? {
    guard let d = tokens.distributions else { return nil }
    guard d.row.count == tokens.count, d.sampled.count == tokens.count else {
      throw InterventionError(argument: "distributions", problem: "have \(d.row.count) rows and \(d.sampled.count) samples, expected \(tokens.count)")
    }
    var nuclei: [TopPNucleus] = []
    nuclei.reserveCapacity(d.rows.count)
    for r in d.rows { nuclei.append(try TopPNucleus(probabilities: r, p: p)) }
    var b = [Double](repeating: 0, count: tokens.count)
    for t in 0..<tokens.count where tokens.valid[t] && m[t] {
      guard d.rows.indices.contains(d.row[t]), d.rows[d.row[t]].indices.contains(d.sampled[t]) else {
        throw InterventionError(argument: "distributions", problem: "token \(t) points outside its row")
      }
      b[t] = coefficient * nuclei[d.row[t]].bonusOffset(probabilities: d.rows[d.row[t]], sampled: d.sampled[t])
    }
    return b
  }
}
