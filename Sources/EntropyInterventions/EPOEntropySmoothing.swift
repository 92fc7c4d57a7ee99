// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// EPO's entropy smoothing toward the running average (Xu et al., arXiv 2509.22576:
/// "an entropy smoothing regularizer that penalizes deviations from historical averages";
/// **interpretation** — the band and the quadratic penalty are DeltaH's reading):
///
///     H̄_hist = mean of the past batch entropies,   H = token-mean entropy of this batch
///     penalty = β (H − H̄_hist)²  when H ∉ [κ_l H̄_hist, κ_r H̄_hist], else 0
///     ⇒ entropy coefficient α = −2β (H − H̄_hist) on every valid token (0 inside the band)
///
/// applied through the sampled-token entropy-bonus offsets b_t = −α u_{t,y} (see
/// ``entropyBonusOffsets(coefficients:tokens:)``); w = 1. Defaults β = 0.01, κ = [0.5, 1.5].
public struct EPOEntropySmoothing: TokenWeighting {
  /// The past batch entropies (token means); empty: no smoothing yet.
  public var history: [Double]
  /// β.
  public var coefficient: Double
  /// (κ_l, κ_r).
  public var band: (lower: Double, upper: Double)

  public init(history: [Double], coefficient: Double = 0.01, band: (lower: Double, upper: Double) = (0.5, 1.5)) {
    self.history = history
    self.coefficient = coefficient
    self.band = band
  }

  public var name: String { "epo" }
  public var isInterpretation: Bool { true }

  /// α for a batch of token-mean entropy H.
  ///
  /// Empty history: α = 0. Inside the band (boundaries included): α = 0.
  ///
  /// - Throws: `InterventionError` for a negative or non-finite β, a band with κ_l > κ_r or a history entropy that
  ///   is not finite and ≥ 0.
  /// - Complexity: O(history).
  public func entropyCoefficient(batchEntropy h: Double) throws(InterventionError) -> Double {
    try checkNonNegative(coefficient, name: "coefficient")
    guard band.lower.isFinite, band.upper.isFinite, band.lower <= band.upper else {
      throw InterventionError(argument: "band", problem: "need finite κ_l ≤ κ_r, got (\(band.lower), \(band.upper))")
    }
    if let bad = history.first(where: { !($0.isFinite && $0 >= 0) }) {
      throw InterventionError(argument: "entropy history", problem: "has \(bad); entropies are finite and ≥ 0")
    }
    guard !history.isEmpty else { return 0 }
    let mean = compensatedSum(history) / Double(history.count)
    return h < band.lower * mean || h > band.upper * mean ? -2 * coefficient * (h - mean) : 0
  }

  /// w_t = 1: EPO acts through its advantage offsets.
  ///
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) -> [Double] { Array(repeating: 1, count: tokens.count) }

  /// b_t from ``entropyBonusOffsets(coefficients:tokens:)`` with α = ``entropyCoefficient(batchEntropy:)``
  /// of the valid tokens' mean entropy, the same α at every token.
  ///
  /// - Throws: `InterventionError` as ``entropyCoefficient(batchEntropy:)``.
  /// - Complexity: O(N + history).
  public func advantageOffsets(for tokens: TokenBatch) throws(InterventionError) -> [Double]? {
    let h = compensatedMean(tokens.validIndices.map { tokens.entropies[$0] })
    let alpha = try entropyCoefficient(batchEntropy: h)
    return entropyBonusOffsets(coefficients: Array(repeating: alpha, count: tokens.count), tokens: tokens)
  }
}
