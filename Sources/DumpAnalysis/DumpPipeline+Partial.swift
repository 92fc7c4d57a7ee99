// DeltaH — entropy change of softmax policies.

import LogitDumps

extension DumpPipeline {
  /// The options one dump is analysed with: ``DumpAnalysisSettings/resolvedOptions(dumpLearningRate:)``
  /// (η from the settings, else the dump's 'lr', else 1) and, when the settings give T, its source
  /// `.flag` (otherwise derived from the table, see ``BatchAnalysis/temperatureSource(of:table:)``).
  ///
  /// - Complexity: O(1).
  public static func options(for dump: LogitDump, settings: DumpAnalysisSettings) -> AnalysisOptions {
    var options = settings.resolvedOptions(dumpLearningRate: dump.learningRate)
    if settings.temperature != nil { options.temperatureSource = .flag }
    return options
  }

  /// Shard `shard` of one dump as the ``AnalysisPartial`` that a merge combines exactly: the
  /// positions `range` read at the resolved temperature, with the resolved options and the dump's
  /// provenance (identity, step, tensors read and ignored, impossible logged values) and the
  /// temperature-override warning, which `merge` puts last in the summary as ``analyze(_:settings:range:progress:)`` does.
  ///
  /// - Parameters:
  ///   - dump: the opened dump.
  ///   - settings: temperature, η and batch options, resolved as in ``analyze(_:settings:range:progress:)``.
  ///   - shard: index and count, recorded in the partial.
  ///   - range: the shard's flat positions (``PositionTable/shardRange(index:of:positionShape:)``).
  ///   - progress: called after each batch with (positions done, positions in range).
  /// - Throws: ``DumpError`` for a setting outside its domain (``DumpAnalysisSettings/validate()``,
  ///   checked before anything is read) or from reading the tensors.
  /// - Complexity: O(|range|·V) to read, for V logits per position.
  public static func partial(
    _ dump: LogitDump, settings: DumpAnalysisSettings, shard: (index: Int, count: Int), range: Range<Int>,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(DumpError) -> AnalysisPartial {
    try validate(settings, file: dump.path)
    let table = try PositionTable(
      dump: dump, temperature: settings.temperature ?? dump.temperature, range: range, progress: progress)
    var partial = try AnalysisPartial(dump: dump, table: table, options: options(for: dump, settings: settings), shard: shard)
    if let warning = temperatureOverrideWarning(settings.temperature, dump: dump) { partial.provenance.settingsWarnings.append(warning) }
    return partial
  }
}
