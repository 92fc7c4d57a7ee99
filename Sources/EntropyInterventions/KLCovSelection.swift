// DeltaH — entropy change of softmax policies.

/// The tokens KL-Cov penalises (Cui et al. 2025, Eq. 13–14; docs/theory.md#kl-cov).
///
///     n = max(1, ⌊k · N_valid⌋),   selected = the n valid tokens with the largest Cov_i
///     loss_i = −A_i ρ_i                                    (unselected; no PPO clipping)
///     loss_i = −A_i ρ_i + β |log π_θ(y_i) − log π_old(y_i)|  (selected)
///
/// `ratio` is a fraction (verl's `kl_cov_ratio`; the original repository's `k_percent` is in
/// percent). Ties in Cov_i go to the lower token index (torch.topk leaves them unspecified).
/// Defaults: k = 2e-3, β = 1 (the paper's Qwen2.5-7B values).
public struct KLCovSelection: Sendable, Equatable {
  /// The selected tokens, by decreasing Cov_i.
  public let selected: [Int]
  /// n = max(1, ⌊k · N_valid⌋) (capped at N_valid).
  public let targetCount: Int

  /// Selects the top-n tokens by centred product.
  ///
  /// - Throws: `InterventionError` for mismatched lengths, non-finite products, a ratio outside
  ///   (0, 1], or no valid token.
  /// - Complexity: O(N log N).
  public init(centredProducts: [Double], valid: [Bool]? = nil, ratio: Double = 2e-3) throws(InterventionError) {
    let n = centredProducts.count
    let mask = try resolvedMask(valid, count: n)
    try checkTokens(centredProducts, count: n, valid: mask, name: "centredProducts")
    let validTokens = (0..<n).filter { mask[$0] }
    guard !validTokens.isEmpty else { throw InterventionError(argument: "valid", problem: "selects no token") }
    let count = min(try selectionCount(ratio: ratio, validCount: validTokens.count), validTokens.count)
    let ordered = validTokens.sorted { a, b in
      centredProducts[a] != centredProducts[b] ? centredProducts[a] > centredProducts[b] : a < b
    }
    self.selected = Array(ordered.prefix(count))
    self.targetCount = count
  }

  /// The gradient coefficient of the KL-Cov penalty on a selected token with respect to its
  /// log-probability, the subgradient of β |log π_θ − log π_old|:
  ///
  ///     ∂/∂ log π_θ = β · sign(log π_θ − log π_old)      (0 at equality, as torch's abs)
  ///
  /// - Complexity: O(1).
  public static func penaltySlope(logProbability: Double, oldLogProbability: Double, coefficient: Double = 1) -> Double {
    let d = logProbability - oldLogProbability
    return d > 0 ? coefficient : d < 0 ? -coefficient : 0
  }
}
