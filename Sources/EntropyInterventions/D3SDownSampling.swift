// DeltaH — entropy change of softmax policies.

/// D³S, dynamic dual-level down-sampling (Wang et al., "Learning More with Less", arXiv
/// 2509.22115, ICLR 2026; rules as the abstract states them, the schedule's shape is
/// **interpretation**):
///
///     sample level: per prompt group, keep the m = ⌈q·G⌉ rollouts whose advantages have the
///                   largest variance (population variance);
///     token level:  among the kept tokens, keep the top ⌈p·N⌉ by |A_t|·H_t (ties: lower index);
///     schedule:     p_t, q_t = start + (1 − start)·min(t, T)/T    (aggressive first, relaxing to 1)
///
/// w_t = 1 on kept tokens, else 0. The sample level needs sequence and group ids; a sequence's
/// advantage is its first valid token's (GRPO broadcasts it). Defaults: p, q from 0.5 to 1 over
/// T = 100 steps, at step 0.
public struct D3SDownSampling: TokenWeighting {
  /// (p at t = 0, q at t = 0).
  public var startRatios: (token: Double, sample: Double)
  /// T.
  public var scheduleSteps: Int
  /// t.
  public var step: Int

  public init(startRatios: (token: Double, sample: Double) = (0.5, 0.5), scheduleSteps: Int = 100, step: Int = 0) {
    self.startRatios = startRatios
    self.scheduleSteps = scheduleSteps
    self.step = step
  }

  public var name: String { "d3s" }
  public var isInterpretation: Bool { true }

  /// (p_t, q_t) = start + (1 − start)·min(t, T)/T for each level (constant 1 once t ≥ T).
  ///
  /// - Throws: `InterventionError` for a start ratio outside (0, 1], T ≤ 0 or t < 0.
  /// - Complexity: O(1).
  public func ratios() throws(InterventionError) -> (token: Double, sample: Double) {
    try checkFraction(startRatios.token, name: "token ratio")
    try checkFraction(startRatios.sample, name: "sample ratio")
    guard scheduleSteps > 0, step >= 0 else {
      throw InterventionError(argument: "schedule", problem: "need T > 0 and t ≥ 0, got T = \(scheduleSteps), t = \(step)")
    }
    let f = Double(min(step, scheduleSteps)) / Double(scheduleSteps)
    return (startRatios.token + (1 - startRatios.token) * f, startRatios.sample + (1 - startRatios.sample) * f)
  }

  /// The size-m subset of `advantages` with the largest population variance, as indices.
  ///
  /// A maximum-variance subset takes the j smallest and m − j largest values for some j, so
  /// scanning the m + 1 splits of the sorted values is exact.
  ///
  /// - Precondition: 1 ≤ m ≤ count.
  /// - Complexity: O(G log G + m²).
  public static func maximumVarianceSubset(advantages a: [Double], size m: Int) -> [Int] {
    precondition(m >= 1 && m <= a.count, "subset size out of range")
    let order = a.indices.sorted { a[$0] != a[$1] ? a[$0] < a[$1] : $0 < $1 }
    var best: [Int] = [], bestVariance = -Double.infinity
    for j in 0...m {
      let pick = Array(order.prefix(j)) + Array(order.suffix(m - j))
      let v = pick.map { a[$0] }
      let mean = v.reduce(0, +) / Double(m)
      let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(m)
      if variance > bestVariance { bestVariance = variance; best = pick }
    }
    return best.sorted()
  }

  /// w_t = 1 on the kept tokens (sample level, then token level, as in the type's formula), 0 on
  /// the other valid tokens, 1 at invalid ones. The sample level runs only when q_t < 1 and the
  /// batch has both sequence and group ids; otherwise every valid token is a token-level candidate.
  /// A group keeps max(1, ⌈q·G⌉) sequences; the token level keeps ⌈p·N_candidates⌉ (ties: lower index).
  ///
  /// - Throws: `InterventionError` as ``ratios()``.
  /// - Complexity: O(N log N + Σ_groups (G log G + m²)).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    let (p, q) = try ratios()
    var kept = tokens.valid
    if q < 1, let seq = tokens.sequenceIDs, let group = tokens.groupIDs {
      var firstToken: [Int64: Int] = [:]
      var members: [Int64: [Int64]] = [:]
      for i in tokens.validIndices where firstToken[seq[i]] == nil {
        firstToken[seq[i]] = i
        members[group[i], default: []].append(seq[i])
      }
      var keptSequences = Set<Int64>()
      for (_, seqs) in members {
        let m = Int((q * Double(seqs.count)).rounded(.up))
        let adv = seqs.map { tokens.advantages[firstToken[$0]!] }
        for k in Self.maximumVarianceSubset(advantages: adv, size: max(1, m)) { keptSequences.insert(seqs[k]) }
      }
      for i in tokens.validIndices where !keptSequences.contains(seq[i]) { kept[i] = false }
    }
    let candidates = (0..<tokens.count).filter { kept[$0] }
    let n = Int((p * Double(candidates.count)).rounded(.up))
    let score = { (i: Int) in abs(tokens.advantages[i]) * tokens.entropies[i] }
    let top = candidates.sorted { score($0) != score($1) ? score($0) > score($1) : $0 < $1 }.prefix(n)
    var w = (0..<tokens.count).map { tokens.valid[$0] ? 0.0 : 1.0 }
    for i in top { w[i] = 1 }
    return w
  }
}
