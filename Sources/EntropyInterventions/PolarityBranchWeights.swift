// DeltaH — entropy change of softmax policies.

/// Advantage weights for the two entropy-polarity branches (docs/theory.md#polarity-branches: a generic hook, not
/// PAPO's unpublished rule).
///
///     w_t = w+ if P_t > 0 (entropy-expanding),  w− if P_t < 0 (contracting),  1 if P_t = 0
///
/// with (w+, w−) set by an external controller of the entropy trajectory.
public struct PolarityBranchWeights: Sendable, Equatable {
  /// w+, applied to expanding tokens.
  public let expanding: Double
  /// w−, applied to contracting tokens.
  public let contracting: Double

  /// The weights (w+, w−) as given.
  ///
  /// - Throws: `InterventionError` unless both weights are finite and ≥ 0.
  /// - Complexity: O(1).
  public init(expanding: Double, contracting: Double) throws(InterventionError) {
    for (name, w) in [("expanding weight w+", expanding), ("contracting weight w−", contracting)]
    where !(w.isFinite && w >= 0) {
      throw InterventionError(argument: name, problem: "must be finite and ≥ 0, got \(w)")
    }
    self.expanding = expanding
    self.contracting = contracting
  }

  /// The weight of a token with polarity P: w+ for P > 0, w− for P < 0, 1 for P = 0 (and for NaN).
  ///
  /// - Complexity: O(1).
  public func weight(forPolarity p: Double) -> Double {
    p > 0 ? expanding : p < 0 ? contracting : 1
  }

  /// A proportional controller of the entropy trajectory toward a target H*:
  ///
  ///     e = (H* − H_last) / H*,   w+ = clamp(1 + g·e, 0, 2),   w− = clamp(1 − g·e, 0, 2)
  ///
  /// Below the target it favours expanding tokens, above it contracting ones.
  ///
  /// - Precondition: target > 0, gain ≥ 0, both finite.
  /// - Complexity: O(1) per call.
  public static func proportionalController(
    target: Double, gain: Double = 1
  ) -> @Sendable ([Double]) -> PolarityBranchWeights {
    precondition(target.isFinite && target > 0 && gain.isFinite && gain >= 0, "need target > 0 and gain ≥ 0")
    return { history in
      let h = history.last ?? target
      let e = (target - h) / target
      let plus = min(max(1 + gain * e, 0), 2)
      let minus = min(max(1 - gain * e, 0), 2)
      return try! PolarityBranchWeights(expanding: plus, contracting: minus)
    }
  }
}
