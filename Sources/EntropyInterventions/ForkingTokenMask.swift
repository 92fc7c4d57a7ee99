// DeltaH — entropy change of softmax policies.

import _NumericsSupport

/// Top-ρ forking-token masking (Wang et al. 2506.01939, Eq. 6; docs/theory.md#forking-tokens).
///
///     τ_ρ = quantile_{1−ρ}({H_t : t valid})        (linear interpolation, torch.quantile's default:
///                                                   h = (n − 1)(1 − ρ), τ = v⌊h⌋ + (h − ⌊h⌋)(v⌊h⌋₊₁ − v⌊h⌋)
///                                                   over the ascending valid entropies v)
///     keep t  ⇔  t valid and H_t ≥ τ_ρ,            normaliser = number of kept tokens
///
/// Ties at τ are all kept, so more than ρN tokens can survive when entropies repeat. Default
/// ρ = 0.2.
public struct ForkingTokenMask: Sendable, Equatable {
  /// τ_ρ.
  public let threshold: Double
  /// Which tokens keep their loss.
  public let keep: [Bool]
  /// The number of kept tokens (the loss normaliser).
  public let keptCount: Int

  /// - Throws: `InterventionError` for a ratio outside (0, 1], non-finite entropies, mismatched
  ///   lengths, or no valid token.
  /// - Complexity: O(N log N).
  public init(entropies: [Double], valid: [Bool]? = nil, ratio: Double = 0.2) throws(InterventionError) {
    let n = entropies.count
    let mask = try resolvedMask(valid, count: n)
    try checkTokens(entropies, count: n, valid: mask, name: "entropies")
    guard ratio.isFinite, ratio > 0, ratio <= 1 else {
      throw InterventionError(argument: "ratio", problem: "must be in (0, 1], got \(ratio)")
    }
    let v = (0..<n).filter { mask[$0] }.map { entropies[$0] }.sorted()
    guard !v.isEmpty else { throw InterventionError(argument: "valid", problem: "selects no token") }
    let tau = linearQuantile(sorted: v, 1 - ratio)
    let keep = (0..<n).map { mask[$0] && entropies[$0] >= tau }
    self.threshold = tau
    self.keep = keep
    self.keptCount = keep.filter { $0 }.count
  }
}
