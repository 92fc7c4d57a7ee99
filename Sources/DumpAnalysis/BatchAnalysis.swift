// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import GSLSupport
import LogitDumps
import _NumericsSupport
import PolicyMargins
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
  /// - Throws: ``DumpError`` when a setting is outside its domain (``AnalysisOptions/validate()``,
  ///   the ``AnalysisSettingError`` as its underlying error), when no position is valid (an empty
  ///   batch), or when η/T is so large that the polarity terms overflow Double (instead of printing
  ///   NaN/inf sums).
  /// - Complexity: O(N log N) in the number of positions.
  public init(table: PositionTable, file: String, step: Int?, options: AnalysisOptions) throws(DumpError) {
    do { try options.validate() } catch { throw DumpError(file: file, setting: error) }
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
    summary.temperatureSource = options.temperatureSource?.rawValue
    summary.settings = .init(options)
    if options.temperatureSource == .default, table.entropySource == .logits {
      warnings.append("T = 1 by default (no temperature given and no metadata 'temperature'): entropies and log-probabilities are those of softmax(z); if the trainer sampled and scored at T ≠ 1, give its temperature")
    }
    if let w = Self.learningRateWarning(options, hasPolarity: table.sampledDiscriminator != nil && table.advantages != nil) {
      warnings.append(w)
    }
    if table.nonFiniteRows > 0 {
      warnings.append("\(table.nonFiniteRows) position(s) have NaN/Inf logits and were excluded (first: \(table.nonFiniteExamples.map(String.init).joined(separator: ", ")))")
    }
    let batch = Batch(table: table, options: options, file: file, valid: valid, validIndices: validIndices)
    Self.entropySection(batch, &summary, &warnings)
    centredCovariance = try Self.covarianceSection(batch, &summary, &warnings)
    let split = try Self.polaritySection(batch, &summary)
    sampledTerm = split?.sampled
    correctionTerm = split?.correction
    polarity = split?.polarity
    Self.gradientNormSection(batch, &summary)
    steerWeights = try Self.steerSection(batch, &summary)
    try Self.nearTieSection(batch, &summary)
    Self.topKSection(batch, &summary)
    Self.auditSection(batch, &summary, &warnings)
    summary.clipping = try Self.clippingSummary(table: table, options: options, file: file)
    summary.groups = try Self.groupSummary(table: table, file: file)
    summary.warnings = warnings
    self.summary = summary
  }

  /// What every summary section reads: the table, the options, the dump's path and the valid
  /// positions (mask = 1 with finite logits), as a flag per position and as ascending indices.
  struct Batch {
    let table: PositionTable
    let options: AnalysisOptions
    let file: String
    let valid: [Bool]
    let validIndices: [Int]
    var n: Int { table.count }
  }

  static func nearTies(_ gaps: [Double], _ entropies: [Double], file: String) throws(DumpError) -> NearTieStatistics {
    try reporting(file, "near-tie statistics: ") { () throws(PolicyCliffError) in
      try NearTieStatistics(gaps: gaps, entropies: entropies)
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
    try reporting(file, "", body)
  }

  /// Runs `body`, a computation of another layer (a statistic, an intervention rule), and
  /// reports its typed error against the dump: nested as ``DumpError/underlying``, with the
  /// problem `context` followed by the error's description.
  ///
  /// - Complexity: that of `body`.
  static func reporting<T, E: Error>(_ file: String, _ context: String = "", _ body: () throws(E) -> T) throws(DumpError) -> T {
    do {
      return try body()
    } catch {
      throw DumpError(file: file, context: context, nesting: error)
    }
  }

  static func covariance(_ logp: [Double], _ adv: [Double], _ mask: [Bool], file: String) throws(DumpError) -> TokenCovariance {
    try reporting(file, "covariance: ") { () throws(SoftmaxError) in
      try TokenCovariance(logProbabilities: logp, advantages: adv, mask: mask)
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
    func quantile(_ q: Double) -> Double { linearQuantile(sorted: sorted, q) }
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
