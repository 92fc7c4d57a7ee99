// DeltaH — entropy change of softmax policies.

import EntropyPerformanceLaw

extension TextTable {
  /// Where each setting of a law fit came from, in the caller's words (e.g. "default" or the name
  /// of the option that set it), shown in parentheses after the setting.
  public struct LawSettingSources: Sendable, Equatable {
    /// The entropy column's source, or nil to show the column alone (dumps: the entropy is each
    /// dump's token mean, not a column).
    public var entropyColumn: String?
    /// The performance column's source.
    public var performanceColumn: String
    /// The step column's source.
    public var stepColumn: String
    /// The number of bootstrap resamples' source.
    public var bootstrap: String

    public init(entropyColumn: String?, performanceColumn: String, stepColumn: String, bootstrap: String) {
      self.entropyColumn = entropyColumn
      self.performanceColumn = performanceColumn
      self.stepColumn = stepColumn
      self.bootstrap = bootstrap
    }
  }

  /// The terminal report of an entropy–performance law fit: a title line, then a quantity/value
  /// table (input and format, the columns with their sources, points fitted / all, a, b and the
  /// ceiling each with its standard error and bootstrap interval, fit RMSE, with a fit fraction the
  /// holdout errors, the bootstrap's B and seed), then one `note:` line per note and one
  /// `warning:` line per warning. Numbers in ``NumberFormatting/terminal(_:digits:)``.
  ///
  ///     R = b − a·e^H (Cui et al. 2025, Eq. 6), least squares on x = e^H
  ///     quantity     value
  ///     --------  --------
  ///     input     log.csv (csv)
  ///     …
  ///
  /// - Complexity: O(notes + warnings).
  public static func entropyPerformanceLaw(_ law: EntropyPerformanceLaw, sources: LawSettingSources) -> String {
    let f = NumberFormatting.terminal
    var t = TextTable("quantity", "value")
    t.append("input", "\(law.source) (\(law.format))")
    t.append("entropy column", sources.entropyColumn.map { "\(law.entropyColumn) (\($0))" } ?? law.entropyColumn)
    t.append("performance column", "\(law.performanceColumn) (\(sources.performanceColumn))")
    t.append("step column", law.stepColumn.map { "\($0) (\(sources.stepColumn))" } ?? "none (file order)")
    t.append("points (fitted / all)", "\(law.fitCount) / \(law.count)")
    let level = f(law.options.confidenceLevel * 100, 3)
    func withInterval(_ x: Double, _ se: Double, _ i: EntropyPerformanceLaw.Interval) -> String {
      "\(f(x, 6)) ± \(f(se, 3)) (s.e.); \(level)% bootstrap [\(f(i.lower, 6)), \(f(i.upper, 6))]"
    }
    t.append("a", withInterval(law.a, law.aStandardError, law.aInterval))
    t.append("b", withInterval(law.b, law.bStandardError, law.bInterval))
    t.append("ceiling b − a (R at H = 0)", withInterval(law.ceiling, law.ceilingStandardError, law.ceilingInterval))
    t.append("fit RMSE", f(law.fitRMSE, 4))
    if let fraction = law.options.fitFraction, let c = law.holdoutCount, let r = law.holdoutRMSE, let e = law.holdoutMaxError,
      let fe = law.holdoutFinalError
    {
      t.append("fit fraction", "\(f(fraction, 10)) (first \(law.fitCount) points)")
      t.append("holdout RMSE (\(c) later points)", f(r, 4))
      t.append("holdout max |error|", f(e, 4))
      t.append("final-step error R̂ − R", f(fe, 4))
    }
    t.append("bootstrap", "\(law.options.bootstrapResamples) resamples over steps (\(sources.bootstrap)), seed \(law.options.seed)")
    var lines = ["R = b − a·e^H (Cui et al. 2025, Eq. 6), least squares on x = e^H", t.rendered()]
    for n in law.notes { lines.append("note: \(n)") }
    for w in law.warnings { lines.append("warning: \(w)") }
    return lines.joined(separator: "\n")
  }
}
