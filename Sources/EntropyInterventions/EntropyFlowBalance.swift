// DeltaH — entropy change of softmax policies.

/// OPEFO's balanced entropy flow (Xu et al. 2605.11491, from a third-party summary; docs/theory.md#opefo).
///
/// Given each token's first-order entropy change ΔH_t (computed with the exact polarity, docs/theory.md#polarity):
///
///     Φ+ = Σ_{ΔH_t > 0} ΔH_t,   Φ− = Σ_{ΔH_t < 0} |ΔH_t|
///     λ* = (Φ− − Φ+) / (Φ− + Φ+)     (0 when both vanish)
///     weight = 1 + λ* on expanding tokens, 1 − λ* on contracting ones, 1 at ΔH_t = 0
///
/// so that (1 + λ*)Φ+ − (1 − λ*)Φ− = 0. λ* ∈ [−1, 1] and is invariant to a common rescaling.
public struct EntropyFlowBalance: Sendable, Equatable {
  /// Φ+, the total expanding flow.
  public let expandingFlow: Double
  /// Φ−, the total contracting flow (≥ 0).
  public let contractingFlow: Double
  /// λ*.
  public let lambda: Double

  /// Computes Φ± and λ* over the valid tokens.
  ///
  /// - Throws: `InterventionError` for mismatched lengths or non-finite flows.
  /// - Complexity: O(N).
  public init(flows: [Double], valid: [Bool]? = nil) throws(InterventionError) {
    let mask = try resolvedMask(valid, count: flows.count)
    try checkTokens(flows, count: flows.count, valid: mask, name: "flows")
    var plus = 0.0, minus = 0.0
    for i in flows.indices where mask[i] {
      if flows[i] > 0 { plus += flows[i] } else { minus -= flows[i] }
    }
    expandingFlow = plus
    contractingFlow = minus
    lambda = plus + minus > 0 ? (minus - plus) / (minus + plus) : 0
  }

  /// The weight of a token with first-order change `flow`: 1 + λ*, 1 − λ* or 1.
  ///
  /// - Complexity: O(1).
  public func weight(forFlow flow: Double) -> Double {
    flow > 0 ? 1 + lambda : flow < 0 ? 1 - lambda : 1
  }
}
