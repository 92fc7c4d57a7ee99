// DeltaH — entropy change of softmax policies.

import Reports
import DumpAnalysis

extension CompareCommand {
  /// The table lines of `compare --linearized`: Lemma 1 on J·Δθ and the three-part decomposition
  /// of the actual mean ΔH, plus the jvp file's scalars and any warning.
  static func appendLinearizedRows(_ l: LinearizedComparison.Summary, to table: inout TextTable) {
    table.append("linearized (J·Δθ)", l.linearized)
    table.append("valid tokens (linearized)", "\(l.linearizedTokens)")
    table.append("mean ΔH linearized first order", formatNumber(l.meanDeltaLinearizedFirstOrder))
    table.append("Pearson / RMSE linearized first order", "\(l.pearsonLinearizedFirstOrder.map { formatNumber($0, digits: 6) } ?? "-") / \(formatNumber(l.rmseLinearizedFirstOrder, digits: 4))")
    table.append("share of mean ΔH explained (linearized)", l.shareExplainedLinearizedFirstOrder.map { formatNumber($0, digits: 6) } ?? "- (mean ΔH is 0)")
    table.append("decomposition: mean ΔH actual", formatNumber(l.meanDeltaActualLinearizedTokens))
    table.append("  = linearized first order", formatNumber(l.meanDeltaLinearizedFirstOrder))
    table.append("  + logit nonlinearity", formatNumber(l.meanLogitNonlinearity))
    table.append("  + second-order remainder", formatNumber(l.meanSecondOrderRemainder))
    if let p = l.parameterSpaceFirstOrder { table.append("∇θH̄·Δθ (jvp metadata)", formatNumber(p)) }
    if let p = l.predictedBeforeStep { table.append("predicted before step (jvp metadata)", formatNumber(p)) }
    for w in l.warnings { table.append("warning", w) }
  }
}
