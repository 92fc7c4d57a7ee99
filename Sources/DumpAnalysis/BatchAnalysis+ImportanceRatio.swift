// DeltaH — entropy change of softmax policies.

import LogitDumps
import RealModule

extension BatchAnalysis {
  /// The largest log-ratio whose importance ratio exp(ℓ − ℓ_old) is a finite Double, log(max Double)
  /// ≈ 709.78.
  static let largestFiniteLogRatio = Double.log(Double.greatestFiniteMagnitude)

  /// Refuses old log-probabilities whose importance ratio r_t = exp(ℓ_t − ℓ_t^old) overflows Double
  /// at a valid position (ℓ_t − ℓ_t^old > log(max Double) ≈ 709.78): the ratio-based numbers (the
  /// clipping section, the what-if ratio rules) would be ∞ or NaN. Such a log-ratio means the
  /// `old_logprobs` do not belong to these logits and tokens.
  ///
  /// - Throws: ``DumpError`` naming `old_logprobs`, the first such position and its log-ratio.
  /// - Complexity: O(N).
  static func checkImportanceRatios(table: PositionTable, file: String) throws(DumpError) {
    guard let old = table.oldLogProbability, let logp = table.logProbability else { return }
    for i in 0..<table.count where table.valid[i] && logp[i] - old[i] > largestFiniteLogRatio {
      throw DumpError(
        file: file, tensor: "old_logprobs",
        problem: "at position \(table.positions[i]) the log-ratio log π − old_logprob = \(logp[i] - old[i]) makes the importance ratio exp(·) overflow Double (log-ratios above \(largestFiniteLogRatio)); the old log-probabilities do not belong to these logits and tokens")
    }
  }
}
