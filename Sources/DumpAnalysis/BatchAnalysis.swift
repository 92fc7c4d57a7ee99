// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import GSLSupport
import LogitDumps
import PolicyCliff
import RealModule
import SoftmaxEntropy

/// The batch analysis of a ``PositionTable``: per-token derived quantities and the
/// ``DumpSummary``.
///
/// Per valid token t (π = softmax(z/T), A = advantage, α = η·A with c = 1):
///
///     Cov_t        = (ℓ_t − ℓ̄)(A_t − Ā)                  over valid tokens (Cui et al. Eq. 10)
///     sampled_t    = −(α/T) S_{y_t},   S_k = π_k(log π_k + H)
///     correction_t = +(α/T) E_π[S],    E_π[S] = Σ π²(log π + H)
///     polarity_t   = sampled_t + correction_t           (> 0: entropy expands)
///
/// the raw-logit step of one sampled token being Δz = α(e_y − π), as in ``EntropyPolarity``.
public struct BatchAnalysis: Sendable {
  /// The per-position inputs.
  public let table: PositionTable
  /// The options used.
  public let options: AnalysisOptions
  /// Cov_t per position (NaN where invalid); nil without log-probs and advantages.
  public let centredCovariance: [Double]?
  /// The polarity split per position (NaN where invalid); nil without full logits, tokens and
  /// advantages.
  public let sampledTerm: [Double]?
  public let correctionTerm: [Double]?
  public let polarity: [Double]?
  /// STEER's weights per position (NaN where invalid).
  public let steerWeights: [Double]?
  /// The batch results.
  public internal(set) var summary: DumpSummary

  /// Analyses a table.
  ///
  /// - Parameters:
  ///   - table: per-position quantities (one dump or a merged set of shards).
  ///   - file: the dump's path, for the report.
  ///   - step: the training step, for the report.
  ///   - options: selection ratios, bounds, micro-batch size, seed, η.
  /// - Throws: ``DumpError`` when no position is valid (an empty batch), or when η/T is so large
  ///   that the polarity terms overflow Double (instead of printing NaN/inf sums).
  /// - Complexity: O(N log N) in the number of positions.
  public init(table: PositionTable, file: String, step: Int?, options: AnalysisOptions) throws(DumpError) {
    self.table = table
    self.options = options
    let n = table.count
    let valid = table.valid
    let validIndices = valid.indices.filter { valid[$0] }
    guard !validIndices.isEmpty else {
      throw DumpError(file: file, tensor: "mask", problem: "the batch is empty: no valid position (mask = 1 with finite logits) among \(n)")
    }
    var warnings: [String] = []
    var summary = DumpSummary(
      file: file, step: step, temperature: table.temperature, learningRate: options.learningRate,
      tokens: validIndices.count, positions: n, nonFiniteRows: table.nonFiniteRows,
      nonFiniteExamples: table.nonFiniteExamples, entropySource: table.entropySource.rawValue,
      warnings: [])
    summary.learningRateSource = options.learningRateSource.rawValue
    if let w = Self.learningRateWarning(options, hasPolarity: table.sampledDiscriminator != nil && table.advantages != nil) {
      warnings.append(w)
    }
    if table.nonFiniteRows > 0 {
      warnings.append("\(table.nonFiniteRows) position(s) have NaN/Inf logits and were excluded (first: \(table.nonFiniteExamples.map(String.init).joined(separator: ", ")))")
    }

    // Entropy: token mean, sequence-mean-token-mean, percentiles.
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

    // Covariance and the covariance-based selections.
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
      let clip = try Self.intervention(file) { () throws(InterventionError) in
        try ClipCovSelection(
          centredProducts: cov.centredProducts, valid: valid, lowerBound: options.clipCovBounds.lower,
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
    centredCovariance = centred

    // Polarity (needs the full distribution at each position).
    var sampled: [Double]?, correction: [Double]?, polarity: [Double]?
    if let s = table.sampledDiscriminator, let es = table.expectedDiscriminator, let adv = table.advantages {
      let scale = options.learningRate / table.temperature
      let c = try Self.clippingFactors(table: table, options: options, file: file) ?? Array(repeating: 1, count: n)
      sampled = (0..<n).map { valid[$0] ? -scale * adv[$0] * s[$0] * c[$0] : .nan }
      correction = (0..<n).map { valid[$0] ? scale * adv[$0] * es[$0] * c[$0] : .nan }
      polarity = (0..<n).map { valid[$0] ? sampled![$0] + correction![$0] : .nan }
      let p = validIndices.map { polarity![$0] }
      // η/T so large that α·S overflows Double would print NaN/inf polarity sums: refuse it.
      guard p.allSatisfy(\.isFinite), compensatedSum(p.map(abs)).isFinite else {
        throw DumpError(
          file: file,
          problem: "the polarity α·(E_π[S] − S_k) with α = η·A/T overflows Double (η = \(options.learningRate) from \(options.learningRateSource.rawValue), T = \(table.temperature)); give a smaller --lr")
      }
      let positive = p.filter { $0 > 0 }, negative = p.filter { $0 < 0 }
      summary.polarity = DumpSummary.PolaritySummary(
        sumPositive: compensatedSum(positive), sumNegative: compensatedSum(negative),
        countPositive: positive.count, countNegative: negative.count,
        countZero: p.count - positive.count - negative.count, total: compensatedSum(p),
        mean: compensatedSum(p) / Double(p.count),
        sampledTermSum: compensatedSum(validIndices.map { sampled![$0] }),
        correctionTermSum: compensatedSum(validIndices.map { correction![$0] }))
      let flows = try Self.intervention(file) { () throws(InterventionError) in
        try EntropyFlowBalance(flows: polarity!, valid: valid)
      }
      summary.opefo = DumpSummary.OPEFOSummary(
        phiPlus: flows.expandingFlow, phiMinus: flows.contractingFlow,
        lambdaStar: flows.expandingFlow + flows.contractingFlow > 0 ? flows.lambda : nil)
      var rows: [PolarityQuadrant: (Int, [Double])] = [:]
      for i in validIndices {
        let high = table.logProbability![i] > -table.entropy[i]
        let q = PolarityQuadrant(advantageIsPositive: adv[i] > 0, probabilityIsHigh: high)
        rows[q, default: (0, [])].0 += 1
        rows[q]!.1.append(polarity![i])
      }
      summary.quadrants = PolarityQuadrant.allCases.map { q in
        DumpSummary.QuadrantRow(quadrant: q.rawValue, tokens: rows[q]?.0 ?? 0, polaritySum: compensatedSum(rows[q]?.1 ?? []))
      }
    }
    sampledTerm = sampled
    correctionTerm = correction
    self.polarity = polarity

    // Logit-gradient norm √(1 − 2π_y + Σπ²).
    if let logp = table.logProbability, let s2 = table.sumSquaredProbabilities, table.tokenIDs != nil {
      let norms = validIndices.map { (max(0, 1 - 2 * Double.exp(logp[$0]) + s2[$0])).squareRoot() }
      summary.gradientNormMean = compensatedSum(norms) / Double(norms.count)
    }

    // STEER (code form).
    var steerWeights: [Double]?
    if let logp = table.logProbability, let adv = table.advantages, table.entropySource != .none {
      let old = table.oldLogProbability ?? logp
      let omega = (0..<n).map { i in
        valid[i]
          ? SteerWeighting.omega(
            advantage: adv[i], probability: Double.exp(logp[i]), oldProbability: Double.exp(old[i]),
            entropy: table.entropy[i])
          : 0
      }
      let range = options.steerWeightRange
      let weights = try Self.intervention(file) { () throws(InterventionError) in
        try SteerWeighting.linear(minimum: range.lower, maximum: range.upper).weights(omegas: omega, valid: valid)
      }
      let magnitudes = validIndices.map { abs(omega[$0]) }
      let validWeights = validIndices.map { weights[$0] }
      summary.steer = DumpSummary.STEERSummary(
        omegaAbsMin: magnitudes.min()!, omegaAbsMax: magnitudes.max()!, weightMin: validWeights.min()!,
        weightMax: validWeights.max()!, weightMean: compensatedSum(validWeights) / Double(validWeights.count),
        usedOldLogprobs: table.oldLogProbability != nil)
      steerWeights = (0..<n).map { valid[$0] ? weights[$0] : .nan }
    }
    self.steerWeights = steerWeights

    // Near ties of the greedy policy (top-1/top-2 gap below 0.1 in units of z/T).
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

    // Top-k bounds.
    if let b = table.topKBounds {
      let lower = validIndices.map { b.lower[$0] }
      let tail = validIndices.map { b.tailMass[$0] }
      summary.topK = DumpSummary.TopKSummary(
        k: b.k, entropyLowerBoundMean: compensatedSum(lower) / Double(lower.count),
        entropyUpperBoundMean: b.upper.map { u in compensatedSum(validIndices.map { u[$0] }) / Double(validIndices.count) },
        tailMassMean: compensatedSum(tail) / Double(tail.count), tailMassMax: tail.max()!)
    }

    // Audit: recomputed against logged.
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
    summary.clipping = try Self.clippingSummary(table: table, options: options, file: file)
    summary.groups = try Self.groupSummary(table: table, file: file)
    summary.warnings = warnings
    self.summary = summary
  }

  static func nearTies(_ gaps: [Double], _ entropies: [Double], file: String) throws(DumpError) -> NearTieStatistics {
    do {
      return try NearTieStatistics(gaps: gaps, entropies: entropies)
    } catch {
      throw DumpError(file: file, problem: "near-tie statistics: \(error)")
    }
  }

  /// KL-Cov's selection (EntropyInterventions), indices ascending.
  static func klCov(_ centred: [Double], _ valid: [Bool], _ ratio: Double, file: String) throws(DumpError) -> [Int] {
    try intervention(file) { () throws(InterventionError) in
      try KLCovSelection(centredProducts: centred, valid: valid, ratio: ratio).selected.sorted()
    }
  }

  /// Runs an intervention rule, reporting its errors against the dump.
  static func intervention<T>(_ file: String, _ body: () throws(InterventionError) -> T) throws(DumpError) -> T {
    do {
      return try body()
    } catch {
      throw DumpError(file: file, problem: "\(error)")
    }
  }

  static func covariance(_ logp: [Double], _ adv: [Double], _ mask: [Bool], file: String) throws(DumpError) -> TokenCovariance {
    do {
      return try TokenCovariance(logProbabilities: logp, advantages: adv, mask: mask)
    } catch {
      throw DumpError(file: file, problem: "covariance: \(error)")
    }
  }

  /// Positions grouped into micro-batches: m consecutive sequences (rows b) of a [B, T] dump, or m
  /// consecutive positions of an [N] dump.
  static func microBatches(table: PositionTable, size m: Int) -> [[Int]] {
    precondition(m >= 1, "micro-batch size must be at least 1")
    let rowLength = table.positionShape.count == 2 ? max(table.positionShape[1], 1) : 1
    var groups: [Int: [Int]] = [:]
    for i in 0..<table.count { groups[(table.positions[i] / rowLength) / m, default: []].append(i) }
    return groups.keys.sorted().map { groups[$0]! }
  }

  /// Percentiles by numpy's linear rule, with the 80/20 statistics.
  static func percentiles(_ values: [Double]) -> DumpSummary.EntropyPercentiles {
    let sorted = values.sorted()
    func quantile(_ q: Double) -> Double {
      let position = Double(sorted.count - 1) * q
      let lo = Int(position.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
      return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - Double(lo))
    }
    var table: [String: Double] = [:]
    for p in [1, 5, 10, 25, 50, 75, 80, 90, 95, 99] { table["p\(p)"] = quantile(Double(p) / 100) }
    let threshold = quantile(0.8)
    let n = Double(sorted.count)
    return DumpSummary.EntropyPercentiles(
      values: table, shareBelow001: Double(sorted.filter { $0 < 0.01 }.count) / n, threshold80: threshold,
      shareAbove80: Double(sorted.filter { $0 > threshold }.count) / n)
  }

  static func disagreement(_ a: [Double], _ b: [Double], _ indices: [Int], _ positions: [Int]) -> DumpSummary.Disagreement {
    var worst = indices[0]
    var total = 0.0
    for i in indices {
      let d = abs(a[i] - b[i])
      total += d
      if d > abs(a[worst] - b[worst]) { worst = i }
    }
    return DumpSummary.Disagreement(
      maxAbsDifference: abs(a[worst] - b[worst]), meanAbsDifference: total / Double(indices.count),
      position: positions[worst], recomputed: a[worst], logged: b[worst])
  }
}
