// DeltaH — entropy change of softmax policies.

import LogitDumps
import SoftmaxEntropy

extension BatchAnalysis {
  /// The entropy section: token mean H̄ = Σ_t H_t / N over valid tokens, the sequence-mean-token-mean
  /// (mean over sequences of each sequence's token mean), and the percentiles; a warning when the
  /// dump has neither logits nor a logged entropy.
  ///
  /// - Complexity: O(N log N).
  static func entropySection(_ batch: Batch, _ summary: inout DumpSummary, _ warnings: inout [String]) {
    let table = batch.table
    let validIndices = batch.validIndices
    if table.entropySource != .none {
      let h = validIndices.map { table.entropy[$0] }
      summary.entropyTokenMean = compensatedSum(h) / Double(h.count)
      var bySequence: [Int64: (sum: Double, count: Int)] = [:]
      for i in validIndices { bySequence[table.sequenceIDs[i], default: (0, 0)].sum += table.entropy[i]; bySequence[table.sequenceIDs[i]]!.count += 1 }
      summary.entropySeqMeanTokenMean = compensatedSum(bySequence.values.map { $0.sum / Double($0.count) }) / Double(bySequence.count)
      summary.entropyPercentiles = Self.percentiles(h)
    } else {
      warnings.append("no entropy: the dump has neither logits nor a logged 'entropy' tensor")
    }

  }
}
