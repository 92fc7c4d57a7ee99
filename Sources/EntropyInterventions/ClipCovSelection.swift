// DeltaH — entropy change of softmax policies.

import GSLSupport

/// The tokens Clip-Cov detaches from the gradient (Cui et al. 2025, Eq. 11–12; docs/theory.md#clip-cov).
///
/// With the token-wise centred products Cov_i = (ℓ_i − ℓ̄)(A_i − Ā) (see `TokenCovariance`):
///
///     C = { i valid, not PPO-clipped : ω_low < Cov_i < ω_high }     (strict, as in the code)
///     n = max(1, ⌊r · N_valid⌋)                                       (N_valid counts clipped tokens too)
///     selected = n indices drawn uniformly without replacement from C (all of C if |C| ≤ n)
///
/// Selected tokens get loss 0; all others keep the clipped PPO loss. Defaults are the paper's
/// (r = 2e-4, ω_low = 1, ω_high = 5).
public struct ClipCovSelection: Sendable, Equatable {
  /// The candidate set C, in ascending token order.
  public let candidates: [Int]
  /// The selected tokens, in draw order.
  public let selected: [Int]
  /// n = max(1, ⌊r · N_valid⌋).
  public let targetCount: Int

  /// The candidate set alone (deterministic).
  ///
  /// - Parameters:
  ///   - centredProducts: Cov_i per token.
  ///   - valid: valid tokens (all when nil).
  ///   - ppoClipped: tokens whose PPO term is clipped, `−A·clip(ρ) > −A·ρ` (none when nil).
  ///   - lowerBound: ω_low.
  ///   - upperBound: ω_high (> ω_low).
  /// - Throws: `InterventionError` for mismatched lengths, non-finite products or bad bounds.
  /// - Complexity: O(N).
  public static func candidates(
    centredProducts: [Double], valid: [Bool]? = nil, ppoClipped: [Bool]? = nil,
    lowerBound: Double = 1, upperBound: Double = 5
  ) throws(InterventionError) -> [Int] {
    let n = centredProducts.count
    let mask = try resolvedMask(valid, count: n)
    let clipped = ppoClipped ?? Array(repeating: false, count: n)
    guard clipped.count == n else {
      throw InterventionError(argument: "ppoClipped", problem: "has \(clipped.count) tokens, expected \(n)")
    }
    try checkTokens(centredProducts, count: n, valid: mask, name: "centredProducts")
    guard lowerBound.isFinite, upperBound.isFinite, lowerBound < upperBound else {
      throw InterventionError(
        argument: "bounds", problem: "need finite ω_low < ω_high, got (\(lowerBound), \(upperBound))")
    }
    return (0..<n).filter { i in
      mask[i] && !clipped[i] && centredProducts[i] > lowerBound && centredProducts[i] < upperBound
    }
  }

  /// Selects the tokens to detach; see the type's documentation for the rule.
  ///
  /// - Parameter generator: the seeded mt19937 stream for the uniform pick (one
  ///   `sampleWithoutReplacement` call, consumed even when |C| ≤ n).
  /// - Throws: `InterventionError` for mismatched lengths, non-finite products, bad bounds, or a
  ///   ratio outside (0, 1].
  /// - Complexity: O(N).
  public init(
    centredProducts: [Double], valid: [Bool]? = nil, ppoClipped: [Bool]? = nil,
    lowerBound: Double = 1, upperBound: Double = 5, ratio: Double = 2e-4,
    generator: MersenneTwister
  ) throws(InterventionError) {
    let c = try Self.candidates(
      centredProducts: centredProducts, valid: valid, ppoClipped: ppoClipped,
      lowerBound: lowerBound, upperBound: upperBound)
    let validCount = (valid ?? Array(repeating: true, count: centredProducts.count)).filter { $0 }.count
    let n = try selectionCount(ratio: ratio, validCount: validCount)
    self.candidates = c
    self.targetCount = n
    self.selected = c.isEmpty ? [] : generator.sampleWithoutReplacement(n, from: c.count).map { c[$0] }
  }
}
