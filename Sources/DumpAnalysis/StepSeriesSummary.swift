// DeltaH — entropy change of softmax policies.

/// The summaries of several dumps in step order, as `deltah analyze DUMP_1 … DUMP_k --json` and
/// `deltah series` write them (kind `analyze-series`): the summaries, the covariance /
/// next-entropy-change pairing over them and the series warnings.
public struct StepSeriesSummary: Sendable, Codable {
  /// The dump summaries, in step order (``StepSeriesCheck``).
  public var steps: [DumpSummary]
  /// Pearson correlation of Cov(log π, A) at step k with the token-mean ΔH from k to k + 1.
  public var covarianceEntropyChangeCorrelation: CovarianceEntropyChange
  /// Series-level warnings: order, missing/repeated steps, shape or vocabulary changes.
  public var warnings: [String]

  /// The series of `steps` (already in step order) with its `warnings`; the correlation is
  /// computed from the steps (``CovarianceEntropyChange/init(summaries:)``).
  ///
  /// - Complexity: O(steps).
  public init(steps: [DumpSummary], warnings: [String]) {
    self.steps = steps
    self.covarianceEntropyChangeCorrelation = CovarianceEntropyChange(summaries: steps)
    self.warnings = warnings
  }

  /// Summaries given in any order, put in step order with the series warnings of
  /// ``StepSeriesCheck`` (the order and checks `analyze` applies to several dumps).
  ///
  /// - Complexity: O(n log n) for n summaries.
  public init(ordering summaries: [DumpSummary]) {
    let check = StepSeriesCheck(summaries.map(StepSeriesCheck.Entry.init(summary:)))
    self.init(steps: check.order.map { summaries[$0] }, warnings: check.warnings)
  }

  /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
  public enum CodingKeys: String, CodingKey {
    case steps, warnings
    case covarianceEntropyChangeCorrelation = "covariance_entropy_change_correlation"
  }
}

extension DumpPipeline.Series {
  /// The step series of the analyses (summaries, correlation, series warnings).
  ///
  /// - Complexity: O(dumps).
  public var stepSeries: StepSeriesSummary { StepSeriesSummary(steps: summaries, warnings: warnings) }
}
