// DeltaH — entropy change of softmax policies.

import LogitDumps

extension WhatIfOptions {
  /// Options with the scheduled rules' step, EPO's entropy history, when given, the PPO clip
  /// range of the `ppo-clip` row (else ε = (0.2, 0.2), no dual clip), and KL-Cov's β (nil: the
  /// default).
  public init(step: Int?, entropyHistory: [Double], clipping: ClipSettings?, klCoefficient: Double? = nil) {
    self.init()
    self.step = step
    self.entropyHistory = entropyHistory
    self.klCoefficient = klCoefficient
    if let clipping {
      clipLow = clipping.low
      clipHigh = clipping.high
      dualClip = clipping.dual
    }
  }
}

extension DumpPipeline {
  /// The what-if table of one dump (``WhatIfReport``) and, with a second dump of the same
  /// positions, the actual ΔH between them for reference.
  ///
  /// The dump is read at `settings.temperature` (else its metadata 'temperature', else 1) and
  /// analysed with the η resolved as in ``analyze(_:settings:range:progress:)`` but without
  /// clipping: the table's polarity stays unclipped (c = 1) and `whatIf`'s clip range sets the
  /// ppo-clip row. The report's warnings are the analysis's, the what-if table's, those of the
  /// comparison with `after` (``CheckpointComparison/comparing(before:after:temperature:range:progress:)``:
  /// AFTER's ignored tensors, differing metadata temperatures or masks) and, last, the
  /// temperature-override warning when `settings.temperature` differs from the dump's metadata.
  ///
  /// - Parameters:
  ///   - path: the dump analysed.
  ///   - after: a dump of the same positions at a later checkpoint, or nil.
  ///   - settings: T, η and batch options (their clipping is ignored).
  ///   - whatIf: step, entropy history and the ppo-clip row's range.
  ///   - progress: for a stage ("analyzing PATH", "comparing"), its progress callback (or nil).
  /// - Throws: ``DumpError`` for a setting outside its domain (``DumpAnalysisSettings/validate()``,
  ///   checked before anything is read), when a dump cannot be read, lacks the polarity's tensors,
  ///   or the two dumps cannot be compared.
  /// - Complexity: O(N·V) to read (twice with `after`) plus O(R · N log N) for R interventions.
  public static func whatIf(
    _ path: String, after: String? = nil, settings: DumpAnalysisSettings, whatIf: WhatIfOptions,
    progress: (String) -> (@Sendable (Int, Int) -> Void)? = { _ in nil }
  ) throws(DumpError) -> WhatIfReport {
    try validate(settings, file: path)
    let dump = try LogitDump(path: path)
    let temperature = settings.temperature ?? dump.temperature
    let table = try PositionTable(dump: dump, temperature: temperature, progress: progress("analyzing \(path)"))
    var options = settings.resolvedOptions(dumpLearningRate: dump.learningRate)
    options.clipping = nil
    let analysis = try BatchAnalysis(dump: dump, table: table, options: options)  // with the dump's facts: ignored tensors, impossible values
    let comparison = try after.map { (after) throws(DumpError) in
      try CheckpointComparison.comparing(before: dump, after: LogitDump(path: after), temperature: settings.temperature, progress: progress("comparing"))
    }
    var report = try WhatIfReport(analysis: analysis, file: path, step: dump.step, whatIf: whatIf, comparison: comparison)
    // The comparison's warnings about AFTER and the pair (temperatures, masks); those about the
    // analysed dump itself are the analysis's already.
    report.warnings += (comparison?.summary.warnings ?? []).filter { !$0.hasPrefix("\(path): ") && !$0.hasPrefix("T = 1 by default") }
    if let warning = temperatureOverrideWarning(settings.temperature, dump: dump) { report.warnings.append(warning) }
    return report
  }
}
