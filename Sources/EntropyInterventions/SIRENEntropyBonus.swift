// DeltaH — entropy change of softmax policies.

/// SIREN's selective entropy regularisation ("Rethinking Entropy Regularization in
/// Large Reasoning Models", arXiv 2509.25133; **interpretation** of the abstract's "two-step
/// entropy masking mechanism, consisting of a top-p mask and a peak-entropy mask"):
///
///     peak mask:    m_t = 1[H_t ≥ quantile_{1−ρ}({H : valid})]   (numpy linear rule)
///     top-p mask:   the bonus's entropy is H_{N_t}, over the smallest set N_t of tokens holding
///                   mass p, renormalised (``TopPNucleus``); used when `topP` is set and the batch
///                   carries `distributions` (the tabular trainer), else the full-vocabulary H_t
///                   stands in for it (token statistics from dumps)
///     bonus:        α·m_t·H_{N_t}, through the sampled-token offsets b_t = −α m_t b_{N_t}(y_t)
///                   (= −α m_t u_{t,y} without the top-p mask); w = 1
///
/// The paper's self-anchored form (stabilising the regulariser) is not modelled. Defaults
/// α = 0.01, ρ = 0.2.
public struct SIRENEntropyBonus: TokenWeighting {
  /// α.
  public var coefficient: Double
  /// ρ, the share of positions (highest entropy) that receive the bonus.
  public var peakRatio: Double

  /// p of the top-p mask; nil: no top-p mask.
  public var topP: Double?

  public init(coefficient: Double = 0.01, peakRatio: Double = 0.2, topP: Double? = nil) {
    self.coefficient = coefficient
    self.peakRatio = peakRatio
    self.topP = topP
  }

  public var name: String { "siren" }
  public var isInterpretation: Bool { true }

  /// m_t, the peak-entropy mask (false at invalid tokens).
  ///
  /// - Throws: `InterventionError` for ρ outside (0, 1].
  /// - Complexity: O(N log N).
  public func peakMask(for tokens: TokenBatch) throws(InterventionError) -> [Bool] {
    try ForkingTokenMask(entropies: tokens.entropies, valid: tokens.valid, ratio: peakRatio).keep
  }

  /// w_t = 1: SIREN acts through its advantage offsets.
  ///
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) -> [Double] { Array(repeating: 1, count: tokens.count) }

  /// b_t = −α m_t b_{N_t}(y_t) with the top-p mask when `topP` is set and the batch has
  /// distributions, else −α m_t u_{t,y} (see the type's formula).
  ///
  /// - Throws: `InterventionError` for a negative or non-finite α, ρ outside (0, 1], a bad p, or
  ///   distributions of the wrong length.
  /// - Complexity: O(N log N), plus O(Σ_t K_t log K_t) with the top-p mask.
  public func advantageOffsets(for tokens: TokenBatch) throws(InterventionError) -> [Double]? {
    try checkNonNegative(coefficient, name: "coefficient")
    let m = try peakMask(for: tokens)
    if let topP, let b = try topPOffsets(p: topP, tokens: tokens, mask: m) { return b }
    return entropyBonusOffsets(coefficients: m.map { $0 ? coefficient : 0 }, tokens: tokens)
  }
}
