// DeltaH — entropy change of softmax policies.

import DumpAnalysis

extension RunReport {
  /// "Pearson r(Cov at step k, ΔH from k to k + 1) = … over n pairs." for the covariance figure's
  /// caption (see `CovarianceEntropyChange`).
  ///
  /// - Complexity: O(dumps).
  static func covarianceLinkSentence(_ summaries: [DumpSummary]) -> String {
    let link = CovarianceEntropyChange(summaries: summaries)
    guard let r = link.correlation else {
      return "Pearson r between Cov at step k and ΔH from k to k + 1: not defined (\(link.n) pairs; needs ≥ 3 and variation)."
    }
    return "Pearson r between Cov at step k and ΔH from k to k + 1 = \(NumberFormatting.significant(r, digits: 4)) over \(link.n) pairs."
  }
}
