// DeltaH — entropy change of softmax policies.

import DumpAnalysis

extension TextTable {
  /// The terminal table of `deltah compare` and of `deltah merge` of compare partials: the
  /// summary (T, valid tokens, mean actual and predicted ΔH, Pearson r, RMSE, sign agreement), the
  /// trust radius (``appendTrustRadius(_:)``), the mean local and exact KL, the positions with
  /// non-finite logits when there are any and, with a jvp dump, the linearised rows
  /// (``appendLinearized(_:)``). Numbers as ``NumberFormatting/terminal(_:digits:)``; a missing
  /// Pearson r is "-".
  ///
  /// - Complexity: O(1) plus the warnings.
  public init(comparison r: ComparisonWithTrustRadius) {
    let s = r.summary
    self.init("quantity", "value")
    append("before / after", "\(s.before) / \(s.after)")
    append("temperature T", terminal(s.temperature) + (s.temperatureSource.map { " (\($0))" } ?? ""))
    append("valid tokens", "\(s.tokens)")
    append("mean ΔH actual", terminal(s.meanDeltaActual))
    append("mean ΔH first order", terminal(s.meanDeltaFirstOrder))
    append("mean ΔH second order", terminal(s.meanDeltaSecondOrder))
    append("Pearson first / second order", "\(s.pearsonFirstOrder.map { terminal($0, digits: 6) } ?? "-") / \(s.pearsonSecondOrder.map { terminal($0, digits: 6) } ?? "-")")
    append("RMSE first / second order", "\(terminal(s.rmseFirstOrder, digits: 4)) / \(terminal(s.rmseSecondOrder, digits: 4))")
    append("sign agreement (first order)", terminal(s.signAgreement, digits: 4))
    appendTrustRadius(r.trustRadius)
    append("mean ½ΔᵀFΔ / exact KL", "\(terminal(s.meanLocalKL, digits: 4)) / \(terminal(s.meanExactKL, digits: 4))")
    if s.nonFiniteRows > 0 { append("positions with NaN/Inf logits (excluded)", "\(s.nonFiniteRows)") }
    if let l = r.linearized { appendLinearized(l) }
  }

  /// The terminal output of `compare`: ``init(comparison:)`` rendered, then one
  /// "warning: …" line per warning of the summary.
  ///
  /// - Complexity: O(total characters).
  public static func comparisonText(_ r: ComparisonWithTrustRadius) -> String {
    TextTable(comparison: r).rendered() + (r.summary.warnings ?? []).map { "\nwarning: \($0)" }.joined()
  }

  /// The trust-radius rows: ε, the share (and count) of positions outside the radius (s* < 1),
  /// the median s* ("unbounded" when it is +∞), and Pearson r and RMSE of the first order inside
  /// and outside ("-" when undefined).
  ///
  /// - Complexity: O(1).
  public mutating func appendTrustRadius(_ t: CheckpointComparison.TrustRadius) {
    append("trust tolerance ε", terminal(t.tolerance))
    append("share outside trust radius (s* < 1)", "\(terminal(t.outsideTrustRadiusShare, digits: 4)) (\(t.outsideTokens) of \(t.tokens))")
    append("median trust scale s*", t.medianTrustScale.isInfinite ? "unbounded (at least half the positions stay within ε at any scale)" : terminal(t.medianTrustScale, digits: 4))
    append("Pearson first order, inside radius", t.pearsonFirstOrderInsideTrustRadius.map { terminal($0, digits: 6) } ?? "-")
    append("RMSE first order inside / outside", "\(t.rmseFirstOrderInside.map { terminal($0, digits: 4) } ?? "-") / \(t.rmseFirstOrderOutside.map { terminal($0, digits: 4) } ?? "-")")
  }

  /// The rows of `compare --linearized`: Lemma 1 on J·Δθ and the three-part decomposition of the
  /// actual mean ΔH (= linearised first order + logit nonlinearity + second-order remainder),
  /// plus the jvp file's scalars when present and one "warning" row per warning.
  ///
  /// - Complexity: O(1) plus the warnings.
  public mutating func appendLinearized(_ l: LinearizedComparison.Summary) {
    append("linearized (J·Δθ)", l.linearized)
    append("valid tokens (linearized)", "\(l.linearizedTokens)")
    append("mean ΔH linearized first order", terminal(l.meanDeltaLinearizedFirstOrder))
    append("Pearson / RMSE linearized first order", "\(l.pearsonLinearizedFirstOrder.map { terminal($0, digits: 6) } ?? "-") / \(terminal(l.rmseLinearizedFirstOrder, digits: 4))")
    append("share of mean ΔH explained (linearized)", l.shareExplainedLinearizedFirstOrder.map { terminal($0, digits: 6) } ?? "- (mean ΔH is 0)")
    append("decomposition: mean ΔH actual", terminal(l.meanDeltaActualLinearizedTokens))
    append("  = linearized first order", terminal(l.meanDeltaLinearizedFirstOrder))
    append("  + logit nonlinearity", terminal(l.meanLogitNonlinearity))
    append("  + second-order remainder", terminal(l.meanSecondOrderRemainder))
    if let p = l.parameterSpaceFirstOrder { append("∇θH̄·Δθ (jvp metadata)", terminal(p)) }
    if let p = l.predictedBeforeStep { append("predicted before step (jvp metadata)", terminal(p)) }
    for w in l.warnings { append("warning", w) }
  }
}

/// ``NumberFormatting/terminal(_:digits:)``, short.
private func terminal(_ x: Double, digits: Int = 10) -> String { NumberFormatting.terminal(x, digits: digits) }
