// DeltaH — entropy change of softmax policies.

import Reports
import ArgumentParser
import DumpAnalysis
import LogitDumps

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the partials of `deltah analyze --shard i/n` (or `deltah compare --shard i/n`) into the whole-dump result.",
    discussion: """
      Merging is exact: the result equals analysing (comparing) the whole dump in one run, with \
      the temperature, η, step and settings recorded in the partials. Partials of different dumps, \
      steps or settings are refused. Batch settings given here (--kl-cov-ratio, --seed, …) replace \
      the recorded ones for the selections computed at merge time.
      """)

  @Argument(help: "Partial files written by `deltah analyze DUMP --shard i/n --partial OUT` or `deltah compare BEFORE AFTER --shard i/n --partial OUT`.")
  var partials: [String]

  @OptionGroup var settings: BatchSettings

  @Option(help: "Write per-position tensors of the merged batch to this .safetensors file (needs every shard).")
  var perToken: String?

  @Option(parsing: .unconditional, help: "Compare partials only: trust tolerance ε of the trust radius, as `compare --trust-tolerance`.")
  var trustTolerance: Double = 0.1

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    guard !partials.isEmpty else { throw ValidationError("give at least one partial") }
    guard trustTolerance.isFinite, trustTolerance > 0 else { throw ValidationError("--trust-tolerance must be a finite number > 0, got \(trustTolerance)") }
    try settings.validate()
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken], inputs: partials)
    if try ComparisonPartial.isComparisonPartial(at: partials[0]) { return try mergeComparison() }
    let parts = try partials.map { try Self.read($0, AnalysisPartial.init(path:), AnalysisPartial.isAnalysisPartial(at:), "write partials with 'deltah analyze DUMP --shard i/n --partial OUT'") }
    let (analysis, coverage) = try DumpPipeline.mergeAnalysis(parts, options: { settings.options(over: $0) })
    if perToken != nil, !coverage.isComplete { throw ArgumentError("--per-token needs every shard: \(coverage)") }
    if let perToken { try analysis.perTokenWriter().write(to: perToken) }
    if json { try printJSON(analysis.summary, kind: .analyze) } else { print(SummaryFormatting.table(analysis.summary)) }
    for w in analysis.summary.warnings { writeStandardError("warning: \(analysis.summary.file): \(w)\n") }
  }

  func mergeComparison() throws {
    if settings.lr != nil || settings.klCovRatio != nil || settings.clipCovRatio != nil || settings.clipCovBounds != nil
      || settings.microBatch != nil || settings.seed != nil
    {
      throw ValidationError("compare partials take no batch settings (--lr, --kl-cov-ratio, …)")
    }
    let parts = try partials.map { try Self.read($0, ComparisonPartial.init(path:), ComparisonPartial.isComparisonPartial(at:), "write it with 'deltah compare BEFORE AFTER --shard i/n --partial OUT'") }
    let merged = try DumpPipeline.mergeComparison(parts, trustTolerance: trustTolerance)
    if perToken != nil, !merged.coverage.isComplete { throw ArgumentError("--per-token needs every shard: \(merged.coverage)") }
    if !merged.coverage.isComplete { writeStandardError("warning: \(merged.coverage): the result is not the whole comparison's\n") }
    if let perToken { try merged.comparison.perTokenWriter(trustTolerance: trustTolerance).write(to: perToken) }
    if json { try printJSON(merged.result, kind: .compare) } else { print(TextTable.comparisonText(merged.result)) }
    for w in merged.result.summary.warnings ?? [] { writeStandardError("warning: \(w)\n") }
  }

  /// Reads a partial; when the file is not a partial of that kind, the error ends with `hint`, the
  /// command that writes them (the library does not name CLI commands).
  static func read<P>(
    _ path: String, _ read: (String) throws(DumpError) -> P, _ isKind: (String) throws(DumpError) -> Bool, _ hint: String
  ) throws(DumpError) -> P {
    try Result { () throws(DumpError) in try read(path) }.mapError { error in
      (try? isKind(path)) == false ? DumpError(file: error.file, tensor: error.tensor, problem: error.problem + "; " + hint) : error
    }.get()
  }
}
