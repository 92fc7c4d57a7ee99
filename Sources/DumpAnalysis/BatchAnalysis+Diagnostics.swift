// DeltaH — entropy change of softmax policies.

import LogitDumps
import SoftmaxEntropy
import PolicyMargins

extension BatchAnalysis {
  /// The near-tie section: greedy near ties (top-1/top-2 gap below 0.1 in units of z/T) over valid
  /// positions with a second logit, with mean entropies and gap quantiles.
  ///
  /// - Throws: ``DumpError`` from the near-tie statistics.
  /// - Complexity: O(N log N).
  static func nearTieSection(_ batch: Batch, _ summary: inout DumpSummary) throws(DumpError) {
    let table = batch.table
    let file = batch.file
    let validIndices = batch.validIndices
    if let gaps = table.topTwoGap {
      let finite = validIndices.filter { gaps[$0].isFinite }  // V = 1 has no second logit
      if !finite.isEmpty {
        let stats = try Self.nearTies(finite.map { gaps[$0] }, finite.map { max(0, table.entropy[$0]) }, file: file)
        summary.nearTies = DumpSummary.NearTieSummary(
          threshold: stats.threshold, nearTies: stats.nearTies, share: stats.nearTieShare,
          meanEntropyNearTie: stats.meanEntropyNearTie.isNaN ? nil : stats.meanEntropyNearTie,
          meanEntropyOther: stats.meanEntropyOther.isNaN ? nil : stats.meanEntropyOther,
          gapQuantiles: Dictionary(uniqueKeysWithValues: zip(stats.quantileLevels, stats.gapQuantiles).map {
            let percent = Int(($0 * 100).rounded())
            return (percent < 10 ? "q0\(percent)" : "q\(percent)", $1)
          }))
      }
    }

  }

  /// The top-k section: mean entropy bounds and tail mass of a top-k dump.
  ///
  /// - Complexity: O(N).
  static func topKSection(_ batch: Batch, _ summary: inout DumpSummary) {
    let table = batch.table
    let validIndices = batch.validIndices
    if let b = table.topKBounds {
      let lower = validIndices.map { b.lower[$0] }
      let tail = validIndices.map { b.tailMass[$0] }
      summary.topK = DumpSummary.TopKSummary(
        k: b.k, entropyLowerBoundMean: compensatedSum(lower) / Double(lower.count),
        entropyUpperBoundMean: b.upper.map { u in compensatedSum(validIndices.map { u[$0] }) / Double(validIndices.count) },
        tailMassMean: compensatedSum(tail) / Double(tail.count), tailMassMax: tail.max()!)
    }

  }

  /// The audit section: recomputed entropy and log-probabilities against the logged ones (largest
  /// and mean absolute difference, and where), with a warning above 10⁻² each.
  ///
  /// - Complexity: O(N).
  static func auditSection(_ batch: Batch, _ summary: inout DumpSummary, _ warnings: inout [String]) {
    let table = batch.table
    let validIndices = batch.validIndices
    if table.entropySource == .logits {
      var audit = DumpSummary.Audit()
      if let logged = table.loggedEntropy {
        audit.entropy = Self.disagreement(table.entropy, logged, validIndices, table.positions)
      }
      if let logged = table.loggedLogProbability, let logp = table.logProbability, table.tokenIDs != nil {
        audit.logprobs = Self.disagreement(logp, logged, validIndices, table.positions)
      }
      if let e = audit.entropy, e.maxAbsDifference > 1e-2 {
        warnings.append("logged entropy differs from the recomputed one by up to \(e.maxAbsDifference) nats at position \(e.position): check the temperature (T = \(table.temperature) applied here), bf16 entropy, or position reordering")
      }
      if let l = audit.logprobs, l.maxAbsDifference > 1e-2 {
        warnings.append("logged logprobs differ from the recomputed ones by up to \(l.maxAbsDifference) at position \(l.position): check the temperature (T = \(table.temperature) applied here) and token alignment")
      }
      if audit.entropy != nil || audit.logprobs != nil { summary.audit = audit }
    }
  }
}
