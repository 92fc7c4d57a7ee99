// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy

/// EMPG, entropy-modulated policy gradients with the future-clarity bonus (Wang et al.,
/// "Harnessing Uncertainty: Entropy-Modulated Policy Gradients for Long-Horizon LLM Agents",
/// arXiv 2509.09265). The paper modulates agent *steps*; applied here to tokens
/// (**interpretation**: step = token, next step = next valid token of the same sequence):
///
///     ĥ_t  = (H_t − min H)/(max H − min H)                         over the valid tokens
///     g_t  = exp(−k ĥ_t) / mean_valid(exp(−k ĥ))                   (self-calibrating: mean g = 1)
///     f_t  = exp(−k′ ĥ_{t+1})                                      (0 for a sequence's last token)
///     a_t  = g_t A_t + ζ f_t     ⇒  w_t = g_t,  b_t = ζ f_t
///
/// Confident (low-entropy) steps get larger updates, uncertain ones smaller, and steps that lead to
/// a clear (low-entropy) next step earn the bonus. Defaults k = k′ = 1, ζ = 0.05.
public struct EMPGModulation: TokenWeighting {
  /// k.
  public var confidenceScale: Double
  /// k′.
  public var clarityScale: Double
  /// ζ, the clarity-bonus weight.
  public var clarityBonus: Double

  public init(confidenceScale: Double = 1, clarityScale: Double = 1, clarityBonus: Double = 0.05) {
    self.confidenceScale = confidenceScale
    self.clarityScale = clarityScale
    self.clarityBonus = clarityBonus
  }

  public var name: String { "empg" }
  public var isInterpretation: Bool { true }

  /// w_t = g_t = exp(−k ĥ_t) / mean_valid exp(−k ĥ) at valid tokens (all 1 when every valid entropy
  /// is equal, since ĥ = 0), 1 at invalid ones.
  ///
  /// - Throws: `InterventionError` when k is negative or not finite.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    try checkNonNegative(confidenceScale, name: "confidenceScale")
    let h = tokens.normalisedEntropies
    let raw = h.map { Double.exp(-confidenceScale * $0) }
    let mean = compensatedSum(tokens.validIndices.map { raw[$0] }) / Double(tokens.validIndices.count)
    return (0..<tokens.count).map { tokens.valid[$0] ? raw[$0] / mean : 1 }
  }

  /// The index of the next valid token of the same sequence, per token (nil for the last one).
  /// Without sequence ids the whole batch is one sequence.
  ///
  /// - Complexity: O(N).
  public static func nextValidToken(_ tokens: TokenBatch) -> [Int?] {
    var next = [Int?](repeating: nil, count: tokens.count)
    var lastSeen: [Int64: Int] = [:]
    for i in stride(from: tokens.count - 1, through: 0, by: -1) where tokens.valid[i] {
      let s = tokens.sequenceIDs?[i] ?? 0
      next[i] = lastSeen[s]
      lastSeen[s] = i
    }
    return next
  }

  /// b_t = ζ·exp(−k′ ĥ_{n(t)}) with n(t) = ``nextValidToken(_:)``; 0 for a sequence's last valid
  /// token and at invalid tokens.
  ///
  /// - Throws: `InterventionError` when k′ or ζ is negative or not finite.
  /// - Complexity: O(N).
  public func advantageOffsets(for tokens: TokenBatch) throws(InterventionError) -> [Double]? {
    try checkNonNegative(clarityScale, name: "clarityScale")
    try checkNonNegative(clarityBonus, name: "clarityBonus")
    let h = tokens.normalisedEntropies
    return Self.nextValidToken(tokens).enumerated().map { i, n in
      guard tokens.valid[i], let n else { return 0 }
      return clarityBonus * Double.exp(-clarityScale * h[n])
    }
  }
}
