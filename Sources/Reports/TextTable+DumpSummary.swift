// DeltaH — entropy change of softmax policies.

import DumpAnalysis

/// The terminal form of dump summaries (`deltah analyze`, `merge`, `series`, `demo`).
extension TextTable {
  /// One dump's summary as a two-column table ("quantity", "value"): the dump, step, T and η with
  /// their sources, tokens, the entropy statistics, covariance, KL-Cov/Clip-Cov selections and the
  /// settings that made them, polarity, OPEFO, clipping, groups, STEER, gradient norm, top-k bounds and audits, each row
  /// only when the summary has it; then the quadrant table, the "read:" line, the ignored tensors
  /// and every warning.
  ///
  /// - Complexity: O(size of the summary).
  public static func rendered(summary s: DumpSummary) -> String {
    var t = Self("quantity", "value")
    t.append("dump", s.file)
    if let step = s.step { t.append("step", "\(step)") }
    t.append("temperature T", formatNumber(s.temperature) + (s.temperatureSource.map { " (\($0))" } ?? ""))
    t.append("η (polarity step, logit space)", formatNumber(s.learningRate) + (s.learningRateSource.map { " (\($0))" } ?? ""))
    t.append("valid tokens / positions", "\(s.tokens) / \(s.positions)")
    if s.nonFiniteRows > 0 { t.append("positions with NaN/Inf logits", "\(s.nonFiniteRows)") }
    t.append("entropy source", s.entropySource)
    if let h = s.entropyTokenMean { t.append("entropy token-mean (nats)", formatNumber(h)) }
    if let h = s.entropySeqMeanTokenMean { t.append("entropy seq-mean-token-mean", formatNumber(h)) }
    if let p = s.entropyPercentiles {
      for key in ["p10", "p50", "p80", "p90", "p99"] { if let v = p.values[key] { t.append("entropy \(key)", formatNumber(v, digits: 6)) } }
      t.append("share H < 0.01", formatNumber(p.shareBelow001, digits: 4))
      t.append("share H > p80", formatNumber(p.shareAbove80, digits: 4))
    }
    if let c = s.covariance {
      t.append("Cov(log π, A) global", formatNumber(c.global))
      if let m = c.microBatchMean, let size = c.microBatchSize { t.append("Cov per micro-batch (\(size)), mean", formatNumber(m)) }
    }
    if let k = s.klCovSelected { t.append("KL-Cov selected", "\(k.count): " + k.prefix(10).map(String.init).joined(separator: ",") + (k.count > 10 ? ",…" : "")) }
    if let k = s.klCovSelectedPerMicroBatch { t.append("KL-Cov selected per micro-batch", "\(k.count)") }
    if let c = s.clipCovCandidates { t.append("Clip-Cov candidates / picked", "\(c) / \(s.clipCovSelected?.count ?? 0)") }
    if let o = s.settings, s.klCovSelected != nil || s.clipCovCandidates != nil || s.covariance?.microBatchSize != nil {
      t.append(
        "selection settings",
        "KL-Cov ratio \(formatNumber(o.klCovRatio)); Clip-Cov ω = (\(formatNumber(o.clipCovBounds.lower)), \(formatNumber(o.clipCovBounds.upper))), ratio \(formatNumber(o.clipCovRatio)), seed \(o.seed); micro-batch \(o.microBatch.map(String.init) ?? "none")")
    }
    if let p = s.polarity {
      t.append("polarity Σ (predicted ΔH summed)", formatNumber(p.total))
      t.append("polarity mean (η-scaled predicted token-mean ΔH)", formatNumber(p.mean))
      t.append("polarity + (tokens, Σ)", "\(p.countPositive), \(formatNumber(p.sumPositive, digits: 6))")
      t.append("polarity − (tokens, Σ)", "\(p.countNegative), \(formatNumber(p.sumNegative, digits: 6))")
    }
    if let o = s.opefo, let l = o.lambdaStar { t.append("OPEFO λ*", formatNumber(l, digits: 6)) }
    if let c = s.clipping {
      t.append("clipped (ε_l = \(formatNumber(c.clipLow)), ε_h = \(formatNumber(c.clipHigh))\(c.dualClip.map { ", c = \(formatNumber($0))" } ?? ""))", "\(c.count) (upper \(c.countUpper), lower \(c.countLower), dual \(c.countDual)); ratio p1/p50/p99 \(formatNumber(c.ratioPercentiles["p1"] ?? .nan, digits: 4)) / \(formatNumber(c.ratioPercentiles["p50"] ?? .nan, digits: 4)) / \(formatNumber(c.ratioPercentiles["p99"] ?? .nan, digits: 4))")
      if let r = c.polarityRemoved { t.append("polarity removed by clipping (+, −)", "\(formatNumber(r.positive, digits: 6)), \(formatNumber(r.negative, digits: 6))") }
    }
    if let g = s.groups { t.append("prompt groups (zero-advantage-variance share)", "\(g.count) (\(formatNumber(g.zeroAdvantageVarianceShare, digits: 4)))") }
    if let st = s.steer { t.append("STEER weights min/mean/max", "\(formatNumber(st.weightMin, digits: 4)) / \(formatNumber(st.weightMean, digits: 4)) / \(formatNumber(st.weightMax, digits: 4))") }
    if let g = s.gradientNormMean { t.append("mean ‖∂log π(y)/∂z‖", formatNumber(g, digits: 6)) }
    if let k = s.topK {
      t.append("top-\(k.k) entropy lower bound, mean", formatNumber(k.entropyLowerBoundMean, digits: 6))
      if let u = k.entropyUpperBoundMean { t.append("top-\(k.k) entropy upper bound, mean", formatNumber(u, digits: 6)) }
      t.append("top-\(k.k) tail mass mean / max", "\(formatNumber(k.tailMassMean, digits: 4)) / \(formatNumber(k.tailMassMax, digits: 4))")
    }
    if let a = s.audit {
      if let e = a.entropy { t.append("audit: max |H recomputed − logged|", "\(formatNumber(e.maxAbsDifference, digits: 4)) at \(e.position)") }
      if let l = a.logprobs { t.append("audit: max |log π recomputed − logged|", "\(formatNumber(l.maxAbsDifference, digits: 4)) at \(l.position)") }
    }
    var out = t.rendered()
    if let q = s.quadrants {
      var qt = Self("quadrant", "tokens", "Σ polarity")
      for row in q { qt.append(row.quadrant, "\(row.tokens)", formatNumber(row.polaritySum, digits: 6)) }
      out += "\n\n" + qt.rendered()
    }
    out += renderedNotes(s)
    return out
  }

  /// The "read:" line (which tensor was read as which field), ignored tensors and every warning.
  static func renderedNotes(_ s: DumpSummary) -> String {
    var out = ""
    if let read = s.tensorsRead, !read.isEmpty { out += "\n\nread: " + read.map(\.description).joined(separator: ", ") }
    if let ignored = s.ignoredTensors, !ignored.isEmpty { out += "\nignored: " + ignored.joined(separator: ", ") }
    for w in s.warnings { out += "\nwarning: \(w)" }
    return out
  }

  /// One row per dump: the entropy trajectory next to its covariance and polarity (ΔH to the next
  /// dump's token-mean entropy), then — when a step was analysed with PPO ratio clipping, which
  /// weights its polarity columns — a "clipping:" line with ε_l, ε_h (and c), then the series
  /// warnings and each dump's warnings.
  ///
  /// - Complexity: O(dumps + warnings).
  public static func rendered(steps summaries: [DumpSummary], seriesWarnings: [String] = []) -> String {
    var t = Self("step", "tokens", "H token-mean", "ΔH to next", "Cov(log π, A)", "polarity mean", "Φ+", "Φ−", "η", "dump")
    for (i, s) in summaries.enumerated() {
      let next = i + 1 < summaries.count ? summaries[i + 1].entropyTokenMean : nil
      var delta: Double?
      if let h = s.entropyTokenMean, let next { delta = next - h }
      t.append(
        s.step.map(String.init) ?? "\(i)", "\(s.tokens)", s.entropyTokenMean.map { formatNumber($0, digits: 6) } ?? "-",
        delta.map { formatNumber($0, digits: 4) } ?? "-", s.covariance.map { formatNumber($0.global, digits: 4) } ?? "-",
        s.polarity.map { formatNumber($0.mean, digits: 4) } ?? "-", s.opefo.map { formatNumber($0.phiPlus, digits: 4) } ?? "-",
        s.opefo.map { formatNumber($0.phiMinus, digits: 4) } ?? "-",
        formatNumber(s.learningRate, digits: 4) + (s.learningRateSource.map { " (\($0))" } ?? ""), s.file)
    }
    var out = t.rendered()
    let clips = summaries.compactMap(\.clipping)
    if !clips.isEmpty {
      var settings: [String] = []
      for c in clips {
        let text = "ε_l = \(formatNumber(c.clipLow)), ε_h = \(formatNumber(c.clipHigh))" + (c.dualClip.map { ", c = \(formatNumber($0))" } ?? "")
        if !settings.contains(text) { settings.append(text) }
      }
      let unclipped = clips.count < summaries.count ? " (\(summaries.count - clips.count) step(s) unclipped)" : ""
      out += "\nclipping: " + settings.joined(separator: " / ") + unclipped + "; polarity mean and Φ± weight each token by c_t = r_t·1[not clipped]"
    }
    for w in seriesWarnings { out += "\nwarning: \(w)" }
    for s in summaries { for w in s.warnings { out += "\nwarning: \(s.file): \(w)" } }
    return out
  }

  /// A step series: the table of ``rendered(steps:seriesWarnings:)`` and the line with the
  /// Pearson correlation of Cov(log π, A) at step k with ΔH from k to k + 1 (``CovarianceEntropyChange``).
  ///
  /// - Complexity: O(dumps + warnings).
  public static func rendered(stepSeries series: StepSeriesSummary) -> String {
    let link = series.covarianceEntropyChangeCorrelation
    return rendered(steps: series.steps, seriesWarnings: series.warnings)
      + "\nPearson(Cov(log π, A) at step k, ΔH token-mean k → k+1) = \(link.correlation.map { formatNumber($0, digits: 4) } ?? "-") over \(link.n) pairs"
      + (link.n < 3 ? " (needs ≥ 3)" : "")
  }
}

/// ``NumberFormatting/terminal(_:digits:)``, the number format of every terminal table.
