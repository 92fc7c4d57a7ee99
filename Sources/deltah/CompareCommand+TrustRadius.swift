// DeltaH — entropy change of softmax policies.

import Reports
import DumpAnalysis

/// `compare --json` (and `merge` of compare partials): the comparison summary's keys, the
/// trust-radius keys and, with `--linearized`, the linearised keys in one object (the key sets are
/// disjoint).
struct ComparisonWithTrustRadius: Encodable {
  let summary: CheckpointComparison.Summary
  let trustRadius: CheckpointComparison.TrustRadius
  var linearized: LinearizedComparison.Summary? = nil

  func encode(to encoder: any Encoder) throws {
    try summary.encode(to: encoder)
    try trustRadius.encode(to: encoder)
    try linearized?.encode(to: encoder)
  }
}

extension TextTable {
  /// The trust-radius rows of the `compare` table.
  mutating func appendTrustRadius(_ t: CheckpointComparison.TrustRadius) {
    append("trust tolerance ε", formatNumber(t.tolerance))
    append("share outside trust radius (s* < 1)", "\(formatNumber(t.outsideTrustRadiusShare, digits: 4)) (\(t.outsideTokens) of \(t.tokens))")
    append("median trust scale s*", t.medianTrustScale.isInfinite ? "unbounded (at least half the positions stay within ε at any scale)" : formatNumber(t.medianTrustScale, digits: 4))
    append("Pearson first order, inside radius", t.pearsonFirstOrderInsideTrustRadius.map { formatNumber($0, digits: 6) } ?? "-")
    append("RMSE first order inside / outside", "\(t.rmseFirstOrderInside.map { formatNumber($0, digits: 4) } ?? "-") / \(t.rmseFirstOrderOutside.map { formatNumber($0, digits: 4) } ?? "-")")
  }
}
