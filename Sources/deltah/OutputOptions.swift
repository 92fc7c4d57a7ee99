// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps
import Reports

/// `--json`, shared by every command that prints one result: the result as one JSON envelope on standard output instead
/// of its terminal table; warnings go to standard error either way.
struct OutputOptions: ParsableArguments {
  @Flag(help: "Print JSON instead of tables.")
  var json = false

  /// Prints `result` as JSON of `kind` or as `table()`, then each warning as "warning: …" on
  /// standard error.
  func print<Result: Encodable>(_ result: Result, kind: DeltaHResultKind, warnings: [String] = [], table: () -> String) throws {
    if json { try DeltaHEnvelope.writeToStandardOutput(result, kind: kind) } else { Swift.print(table()) }
    for w in warnings { OutputFile.writeStandardError("warning: \(w)\n") }
  }

  /// One summary (kind `analyze`), or the step series of several (`analyze-series`), then the
  /// series warnings and `warnings`.
  func print(_ series: StepSeriesSummary, warnings: [String] = []) throws {
    if series.steps.count == 1 {
      try print(series.steps[0], kind: .analyze, warnings: series.warnings + warnings) { TextTable.rendered(summary: series.steps[0]) }
    } else {
      try print(series, kind: .analyzeSeries, warnings: series.warnings + warnings) { TextTable.rendered(stepSeries: series) }
    }
  }

  /// A comparison (`compare`, or `merge` of compare partials): the linearised comparison's
  /// warnings, the result, then the summary's warnings.
  func print(_ result: ComparisonWithTrustRadius) throws {
    for w in result.linearized?.warnings ?? [] { OutputFile.writeStandardError("warning: \(w)\n") }
    try print(result, kind: .compare, warnings: result.summary.warnings ?? []) { TextTable.comparisonText(result) }
  }
}
