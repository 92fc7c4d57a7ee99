// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import GSLSupport
import LogitDumps
import SoftmaxEntropy

extension BatchAnalysis {
  /// The covariance section: Cov = mean_t (ℓ_t − ℓ̄)(A_t − Ā) over valid tokens (Cui et al. Eq. 10),
  /// the KL-Cov and Clip-Cov selections (as positions; Clip-Cov's candidates leave out the tokens
  /// PPO-clipped under `options.clipping`, when given), and per-micro-batch covariance and KL-Cov
  /// selections with `options.microBatch`; a warning for a kl-cov ratio given in percent and when
  /// log-probabilities or advantages are missing.
  ///
  /// - Returns: Cov_t per position (NaN where invalid), or nil without log-probs and advantages.
  /// - Throws: ``DumpError`` from the covariance or a selection rule.
  /// - Complexity: O(N log N).
  /// The tokens the PPO clip of `options.clipping` clips without its dual clip
  /// (``PPOClipWeighting/isClipped(advantage:ratio:)`` at r_t = exp(ℓ_t − ℓ_t^old)), which Clip-Cov
  /// leaves out of its candidates as verl does (`clip_by_origin`: its loss has no dual clip, so a
  /// token with A < 0 and r > c stays a candidate); nil without clip settings or without
  /// `old_logprobs`, log-probabilities or advantages (the clipping section reports that error).
  ///
  /// - Complexity: O(N).
  static func ppoClippedTokens(table: PositionTable, options: AnalysisOptions) -> [Bool]? {
    guard let clip = options.clipping, let old = table.oldLogProbability, let logp = table.logProbability,
      let adv = table.advantages
    else { return nil }
    let rule = PPOClipWeighting(clipLow: clip.low, clipHigh: clip.high)
    return (0..<table.count).map { i in
      table.valid[i] && rule.isClipped(advantage: adv[i], ratio: Double.exp(logp[i] - old[i]))
    }
  }

  static func covarianceSection(_ batch: Batch, _ summary: inout DumpSummary, _ warnings: inout [String]) throws(DumpError) -> [Double]? {
    let table = batch.table
    let options = batch.options
    let file = batch.file
    let valid = batch.valid
    let validIndices = batch.validIndices
    var centred: [Double]?
    if let logp = table.logProbability, let adv = table.advantages {
      let cov = try Self.covariance(logp, adv, valid, file: file)
      centred = cov.centredProducts.enumerated().map { valid[$0] ? $1 : .nan }
      let lm = compensatedSum(validIndices.map { logp[$0] }) / Double(validIndices.count)
      let am = compensatedSum(validIndices.map { adv[$0] }) / Double(validIndices.count)
      var covSummary = DumpSummary.CovarianceSummary(global: cov.mean, logProbabilityMean: lm, advantageMean: am)
      if options.klCovRatio >= 0.01 {
        warnings.append("kl-cov-ratio \(options.klCovRatio) selects \(options.klCovRatio * 100)% of tokens; the ratio is a fraction (verl kl_cov_ratio, default 0.0002). PRIME's k_percent is in percent: k_percent = 0.2 means a ratio of 0.002")
      }
      summary.klCovSelected = try Self.klCov(cov.centredProducts, valid, options.klCovRatio, file: file).map { table.positions[$0] }
      let ppoClipped = Self.ppoClippedTokens(table: table, options: options)
      let clip = try Self.intervention(file) { () throws(InterventionError) in
        try ClipCovSelection(
          centredProducts: cov.centredProducts, valid: valid, ppoClipped: ppoClipped, lowerBound: options.clipCovBounds.lower,
          upperBound: options.clipCovBounds.upper, ratio: options.clipCovRatio,
          generator: MersenneTwister(seed: options.seed))
      }
      summary.clipCovCandidates = clip.candidates.count
      summary.clipCovSelected = clip.selected.map { table.positions[$0] }.sorted()
      if let m = options.microBatch {
        var perBatch: [Double] = []
        var selected: [Int] = []
        for batch in Self.microBatches(table: table, size: m) {
          let mask = batch.map { valid[$0] }
          guard mask.contains(true) else { continue }
          let local = try Self.covariance(batch.map { logp[$0] }, batch.map { adv[$0] }, mask, file: file)
          perBatch.append(local.mean)
          selected += try Self.klCov(local.centredProducts, mask, options.klCovRatio, file: file).map { table.positions[batch[$0]] }
        }
        covSummary.microBatchSize = m
        covSummary.microBatch = perBatch
        covSummary.microBatchMean = compensatedSum(perBatch) / Double(max(perBatch.count, 1))
        summary.klCovSelectedPerMicroBatch = selected.sorted()
      }
      summary.covariance = covSummary
    } else {
      warnings.append("no covariance: needs log-probabilities (from logits + token_ids, or 'logprobs'/'old_logprobs') and 'advantages'")
    }
    return centred
  }
}
