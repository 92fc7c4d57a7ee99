// DeltaH — entropy change of softmax policies.

import LogitDumps

/// What the caller chose for a dump analysis; anything left nil falls back to the dump's metadata
/// with its source recorded (never silently).
public struct DumpAnalysisSettings: Sendable {
  /// T applied to the logits; nil: the dump's metadata 'temperature' (else 1, as ``LogitDump``
  /// reads it). A value different from the dump's adds a warning.
  public var temperature: Double?
  /// η of the polarity split; nil: the dump's metadata 'lr', else 1 (source ``LearningRateSource``).
  public var learningRate: Double?
  /// Ratios, bounds, micro-batch size, seed and clipping; its `learningRate` and
  /// `learningRateSource` are replaced by ``resolvedOptions(dumpLearningRate:)``.
  public var options: AnalysisOptions

  /// Settings with each property as documented above (defaults: T and η from the dump's
  /// metadata, the library's default options).
  public init(temperature: Double? = nil, learningRate: Double? = nil, options: AnalysisOptions = AnalysisOptions()) {
    self.temperature = temperature
    self.learningRate = learningRate
    self.options = options
  }

  /// The options with η resolved: the given η (source `.flag`), else the dump's 'lr' (`.metadata`),
  /// else the options' own η and source (η = 1, `.default`, unless the caller set them).
  ///
  /// - Complexity: O(1).
  public func resolvedOptions(dumpLearningRate: Double?) -> AnalysisOptions {
    var o = options
    if let learningRate {
      o.learningRate = learningRate
      o.learningRateSource = .flag
    } else if let dumpLearningRate {
      o.learningRate = dumpLearningRate
      o.learningRateSource = .metadata
    }
    return o
  }
}

/// The dump pipeline of DeltaH: dump → ``PositionTable`` → ``BatchAnalysis``, with the η fallback
/// and its source, the temperature-override warning and the step order of several dumps. The
/// `analyze`, `report` and `demo` commands call it instead of wiring the steps up themselves.
public enum DumpPipeline {
  /// One dump's analysis: the table read at the resolved temperature and analysed with the
  /// resolved options. The summary's warnings are the analysis's (η default, non-finite rows,
  /// audits, impossible values, ignored tensors) followed by the temperature-override warning when
  /// `settings.temperature` differs from the dump's metadata.
  ///
  /// - Parameters:
  ///   - dump: the opened dump.
  ///   - settings: temperature, η and batch options.
  ///   - range: only these positions (a shard), or nil for all.
  ///   - progress: called after each batch with (positions done, positions in range).
  /// - Throws: ``DumpError`` for a setting outside its domain (``DumpAnalysisSettings/validate()``,
  ///   checked before anything is read), from reading the tensors or from the analysis (an empty batch).
  /// - Complexity: O(N·V) to read plus O(N log N) to analyse, for N positions of V logits.
  public static func analyze(
    _ dump: LogitDump, settings: DumpAnalysisSettings, range: Range<Int>? = nil,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(DumpError) -> BatchAnalysis {
    try validate(settings, file: dump.path)
    let table = try PositionTable(
      dump: dump, temperature: settings.temperature ?? dump.temperature, range: range, progress: progress)
    var analysis = try BatchAnalysis(dump: dump, table: table, options: options(for: dump, settings: settings))
    if let warning = temperatureOverrideWarning(settings.temperature, dump: dump) { analysis.summary.warnings.append(warning) }
    return analysis
  }

  /// Checks `settings` (``DumpAnalysisSettings/validate()``), reporting a setting outside its
  /// domain as a ``DumpError`` against `file` (the dump the settings were to analyse).
  ///
  /// - Complexity: O(1).
  static func validate(_ settings: DumpAnalysisSettings, file: String) throws(DumpError) {
    do { try settings.validate() } catch { throw DumpError(file: file, setting: error) }
  }

  /// The warning for a temperature given for a dump without `logits` (T is applied only to logits:
  /// the logged log-probabilities, entropies and top-k values are read as logged, so T changes no
  /// number), else for one that differs from the dump's metadata, else nil.
  ///
  /// - Complexity: O(1).
  public static func temperatureOverrideWarning(_ temperature: Double?, dump: LogitDump) -> String? {
    guard let t = temperature else { return nil }
    if dump[.logits] == nil {
      return "temperature \(t) given on the command line has no effect: the dump has no 'logits', and its logged log-probabilities and entropies are used as logged (at the trainer's temperature)"
    }
    guard t != dump.temperature else { return nil }
    return "temperature \(t) given on the command line; the dump's metadata says \(dump.temperature)"
  }

  /// Several dumps analysed in step order (``StepSeriesCheck``), with the series warnings (order,
  /// missing or repeated steps, shape or vocabulary changes).
  public struct Series: Sendable {
    /// The analyses, in step order.
    public var analyses: [BatchAnalysis]
    /// Series-level warnings.
    public var warnings: [String]
    /// The summaries, in step order.
    ///
    /// - Complexity: O(steps).
    public var summaries: [DumpSummary] { analyses.map(\.summary) }
  }

  /// Opens the dumps, orders them by step and analyses each with ``analyze(_:settings:range:progress:)``.
  ///
  /// - Parameters:
  ///   - paths: the dumps (any order).
  ///   - settings: as for one dump.
  ///   - progress: for each dump's path, its progress callback (or nil).
  /// - Throws: ``DumpError`` from the first dump that cannot be opened or analysed.
  /// - Complexity: the sum over the dumps, plus O(D log D) to order D dumps.
  public static func analyze(
    paths: [String], settings: DumpAnalysisSettings,
    progress: (String) -> (@Sendable (Int, Int) -> Void)? = { _ in nil }
  ) throws(DumpError) -> Series {
    var opened: [LogitDump] = []
    for path in paths { opened.append(try LogitDump(path: path)) }
    let check = StepSeriesCheck(opened.map {
      .init(path: $0.path, step: $0.step, positionShape: $0.positionShape, vocabularySize: $0.vocabularySize, temperature: settings.temperature ?? $0.temperature)
    })
    var analyses: [BatchAnalysis] = []
    for dump in check.order.map({ opened[$0] }) {
      analyses.append(try analyze(dump, settings: settings, progress: progress(dump.path)))
    }
    return Series(analyses: analyses, warnings: check.warnings)
  }
}
