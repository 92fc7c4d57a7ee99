// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import LogitDumps
import RealModule
import SoftmaxEntropy

/// PPO ratio clipping applied to a dump (`analyze --clip-low ε_l --clip-high ε_h [--dual-clip c]`).
///
/// With r_t = exp(log π_t − old_logprob_t) (log π_t recomputed at temperature T), a token is
/// clipped — its PPO gradient is zero — when
///
///     (A_t > 0 ∧ r_t > 1 + ε_h) ∨ (A_t < 0 ∧ r_t < 1 − ε_l) ∨ (A_t < 0 ∧ r_t > c)   (dual clip, verl)
///
/// and the polarity split uses c_t = r_t·1[not clipped] (docs/theory.md#importance-ratio-clipping) instead of c = 1.
public struct ClipSettings: Sendable, Codable, Equatable {
  /// ε_l.
  public var low: Double
  /// ε_h (DAPO's clip-higher: ε_h > ε_l).
  public var high: Double
  /// verl's dual clip c (> 1), or nil.
  public var dual: Double?

  public init(low: Double, high: Double, dual: Double? = nil) {
    self.low = low
    self.high = high
    self.dual = dual
  }

  var rule: PPOClipWeighting { PPOClipWeighting(clipLow: low, clipHigh: high, dualClip: dual) }

  /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
  public enum CodingKeys: String, CodingKey {
    case low, high, dual
  }
}

extension DumpSummary {
  /// What ratio clipping did to the batch.
  public struct ClippingSummary: Sendable, Codable, Equatable {
    /// ε_l, ε_h, c.
    public var clipLow: Double
    public var clipHigh: Double
    public var dualClip: Double?
    /// Clipped valid tokens.
    public var count: Int
    /// Clipped tokens by rule: A > 0 above 1 + ε_h, A < 0 below 1 − ε_l, A < 0 above c.
    public var countUpper: Int
    public var countLower: Int
    public var countDual: Int
    /// The first-order ΔH the clipped tokens would have contributed at c = r_t (Σ r_t·P_t over
    /// clipped tokens, P_t the c = 1 polarity), split by sign; nil without full logits.
    public var polarityRemoved: PolarityRemoved?
    /// Count and removed polarity per quadrant (advantage sign × π_y vs e^(−H)); the quadrant
    /// needs full logits (else the rows are empty).
    public var quadrants: [QuadrantRow]
    /// Percentiles of r_t over valid tokens (numpy linear rule; keys p1 … p99), min and max.
    public var ratioPercentiles: [String: Double]
    public var ratioMin: Double
    public var ratioMax: Double

    public struct PolarityRemoved: Sendable, Codable, Equatable {
      /// Σ of the positive (entropy-raising) and negative removed contributions, and the total.
      public var positive: Double
      public var negative: Double
      public var total: Double

      /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
      public enum CodingKeys: String, CodingKey {
        case positive, negative, total
      }
    }

    public struct QuadrantRow: Sendable, Codable, Equatable {
      public var quadrant: String
      public var count: Int
      public var polarityRemoved: Double?

      /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
      public enum CodingKeys: String, CodingKey {
        case quadrant, count
        case polarityRemoved = "polarity_removed"
      }
    }

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case count, quadrants
      case clipLow = "clip_low"
      case clipHigh = "clip_high"
      case dualClip = "dual_clip"
      case countUpper = "count_upper"
      case countLower = "count_lower"
      case countDual = "count_dual"
      case polarityRemoved = "polarity_removed"
      case ratioPercentiles = "ratio_percentiles"
      case ratioMin = "ratio_min"
      case ratioMax = "ratio_max"
    }
  }
}

extension BatchAnalysis {
  /// c_t = r_t·1[not clipped] per position (1 at invalid positions); nil without clip settings.
  ///
  /// - Throws: ``DumpError`` when clipping is asked for but the dump has no `old_logprobs`, no
  ///   log-probabilities or no advantages, a ratio overflows Double (``checkImportanceRatios(table:file:)``),
  ///   or the settings are invalid.
  /// - Complexity: O(N).
  static func clippingFactors(table: PositionTable, options: AnalysisOptions, file: String) throws(DumpError) -> [Double]? {
    guard let clip = options.clipping else { return nil }
    try intervention(file) { () throws(InterventionError) in try clip.rule.validate() }
    guard let old = table.oldLogProbability else {
      throw DumpError(file: file, tensor: "old_logprobs", problem: "ratio clipping needs the old-policy log-probabilities ('old_logprobs' or 'old_log_probs')")
    }
    guard let logp = table.logProbability, let adv = table.advantages else {
      throw DumpError(file: file, problem: "ratio clipping needs log-probabilities (logits + token_ids, or 'logprobs') and 'advantages'")
    }
    try checkImportanceRatios(table: table, file: file)
    let rule = clip.rule
    return (0..<table.count).map { i in
      guard table.valid[i] else { return 1 }
      let r = Double.exp(logp[i] - old[i])
      return rule.isClipped(advantage: adv[i], ratio: r) ? 0 : r
    }
  }

  /// The `clipping` section of the summary; nil without clip settings.
  ///
  /// - Complexity: O(N log N).
  static func clippingSummary(table: PositionTable, options: AnalysisOptions, file: String) throws(DumpError) -> DumpSummary.ClippingSummary? {
    guard let clip = options.clipping, try clippingFactors(table: table, options: options, file: file) != nil,
      let old = table.oldLogProbability, let logp = table.logProbability, let adv = table.advantages
    else { return nil }
    let rule = clip.rule
    let valid = table.valid.indices.filter { table.valid[$0] }
    let ratios = valid.map { Double.exp(logp[$0] - old[$0]) }
    var upper = 0, lower = 0, dual = 0
    var clipped: [Int] = []
    for (k, i) in valid.enumerated() where rule.isClipped(advantage: adv[i], ratio: ratios[k]) {
      clipped.append(k)
      if adv[i] > 0 { upper += 1 } else if ratios[k] < 1 - clip.low { lower += 1 } else { dual += 1 }
    }
    var removed: DumpSummary.ClippingSummary.PolarityRemoved?
    var rows: [DumpSummary.ClippingSummary.QuadrantRow] = []
    if let s = table.sampledDiscriminator, let es = table.expectedDiscriminator {
      let scale = options.learningRate / table.temperature
      let terms = clipped.map { k in ratios[k] * scale * adv[valid[k]] * (es[valid[k]] - s[valid[k]]) }
      removed = .init(
        positive: compensatedSum(terms.filter { $0 > 0 }), negative: compensatedSum(terms.filter { $0 < 0 }),
        total: compensatedSum(terms))
      var byQuadrant: [PolarityQuadrant: (Int, [Double])] = [:]
      for (j, k) in clipped.enumerated() {
        let i = valid[k]
        let q = PolarityQuadrant(advantageIsPositive: adv[i] > 0, probabilityIsHigh: logp[i] > -table.entropy[i])
        byQuadrant[q, default: (0, [])].0 += 1
        byQuadrant[q]!.1.append(terms[j])
      }
      rows = PolarityQuadrant.allCases.map { q in
        .init(quadrant: q.rawValue, count: byQuadrant[q]?.0 ?? 0, polarityRemoved: compensatedSum(byQuadrant[q]?.1 ?? []))
      }
    }
    let sorted = ratios.sorted()
    var percentiles: [String: Double] = [:]
    for p in [1, 5, 10, 25, 50, 75, 90, 95, 99] {
      let h = Double(sorted.count - 1) * Double(p) / 100
      let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
      percentiles["p\(p)"] = sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
    return .init(
      clipLow: clip.low, clipHigh: clip.high, dualClip: clip.dual, count: clipped.count, countUpper: upper,
      countLower: lower, countDual: dual, polarityRemoved: removed, quadrants: rows, ratioPercentiles: percentiles,
      ratioMin: sorted.first!, ratioMax: sorted.last!)
  }
}
