// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// ARES-style sliding-window entropy (Chen et al., "ARES: Multimodal Adaptive Reasoning via
/// Difficulty-Aware Token-Level Entropy Shaping", arXiv 2510.08457), a statistic:
///
///     H̄_{t:w} = (1/|W_t|) Σ_{τ ∈ W_t} H_τ,   W_t = the valid positions t, t+1, …, t+w−1 of t's sequence
///
/// (the paper's forward window of w tokens; near a sequence's end the window holds fewer tokens —
/// DeltaH averages what is there). High-window-entropy (HWE) tokens are those with H̄ at or above
/// the (1 − ρ) quantile of the valid window entropies (numpy linear rule).
public struct WindowEntropy: Sendable, Equatable {
  /// H̄_{t:w} per token (NaN at invalid tokens).
  public let values: [Double]
  /// The HWE threshold.
  public let threshold: Double
  /// Which tokens are HWE tokens.
  public let highWindowEntropy: [Bool]
  /// w.
  public let window: Int

  /// - Parameters:
  ///   - window: w ≥ 1 (w = 1 gives the token entropies).
  ///   - ratio: ρ, the share of HWE tokens to mark.
  /// - Throws: `InterventionError` for w < 1, ρ ∉ (0, 1], mismatched lengths, non-finite entropies
  ///   or no valid token.
  /// - Complexity: O(N·w + N log N).
  public init(entropies: [Double], sequenceIDs: [Int64]?, valid: [Bool]? = nil, window: Int, ratio: Double = 0.2) throws(InterventionError) {
    let n = entropies.count
    let mask = try resolvedMask(valid, count: n)
    try checkTokens(entropies, count: n, valid: mask, name: "entropies")
    if let sequenceIDs, sequenceIDs.count != n {
      throw InterventionError(argument: "sequenceIDs", problem: "has \(sequenceIDs.count) tokens, expected \(n)")
    }
    guard window >= 1 else { throw InterventionError(argument: "window", problem: "must be ≥ 1, got \(window)") }
    try checkFraction(ratio, name: "ratio")
    var bySequence: [Int64: [Int]] = [:]
    var order: [Int64] = []
    for i in 0..<n where mask[i] {
      let s = sequenceIDs?[i] ?? 0
      if bySequence[s] == nil { order.append(s) }
      bySequence[s, default: []].append(i)
    }
    guard !order.isEmpty else { throw InterventionError(argument: "valid", problem: "selects no token") }
    var values = [Double](repeating: .nan, count: n)
    for s in order {
      let idx = bySequence[s]!
      for (k, i) in idx.enumerated() {
        let w = idx[k..<min(k + window, idx.count)].map { entropies[$0] }
        values[i] = compensatedSum(w) / Double(w.count)
      }
    }
    let sorted = (0..<n).filter { mask[$0] }.map { values[$0] }.sorted()
    let tau = linearQuantile(sorted: sorted, 1 - ratio)
    self.values = values
    self.threshold = tau
    self.highWindowEntropy = (0..<n).map { mask[$0] && values[$0] >= tau }
    self.window = window
  }
}
