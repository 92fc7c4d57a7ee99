// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps
import Reports

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the partials of `deltah analyze --shard i/n` (or `deltah compare --shard i/n`) into the whole-dump result.",
    discussion: """
      Merging is exact: the result equals analysing (comparing) the whole dump in one run, with \
      the temperature, η, step and settings recorded in the partials. Partials of different dumps, \
      steps or settings are refused. Batch settings given here (--kl-cov-ratio, --seed, …) replace \
      the recorded ones for the selections computed at merge time; a setting not given keeps its recorded value (the defaults below are those of `analyze`, which the partials record).
      """)

  @Argument(help: "Partial files written by `deltah analyze DUMP --shard i/n --partial OUT` or `deltah compare BEFORE AFTER --shard i/n --partial OUT`.")
  var partials: [String]

  @OptionGroup var settings: BatchSettings

  @Option(help: "Write per-position tensors of the merged batch to this .safetensors file (needs every shard).")
  var perToken: String?

  @OptionGroup var trust: TrustToleranceOption

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard !partials.isEmpty else { throw ValidationError("give at least one partial") }
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken], inputs: partials)
    if try ComparisonPartial.isComparisonPartial(at: partials[0]) { return try mergeComparison() }
    if trust.given != nil { throw ValidationError("--trust-tolerance applies to compare partials; these are analyze partials") }
    let parts = try partials.map { try Self.read($0, AnalysisPartial.init(path:), AnalysisPartial.isAnalysisPartial(at:), "write partials with 'deltah analyze DUMP --shard i/n --partial OUT'") }
    let (analysis, coverage) = try DumpPipeline.mergeAnalysis(parts, options: { settings.options(over: $0) })
    if perToken != nil, !coverage.isComplete { throw ValidationError("--per-token needs every shard: \(coverage)") }
    if let perToken { try analysis.perTokenWriter().write(to: perToken) }
    let summary = analysis.summary
    try output.print(summary, kind: .analyze, warnings: summary.warnings.map { "\(summary.file): \($0)" }) { TextTable.rendered(summary: summary) }
  }

  func mergeComparison() throws {
    guard settings.isEmpty else { throw ValidationError("compare partials take no batch settings (--lr, --kl-cov-ratio, …)") }
    let parts = try partials.map { try Self.read($0, ComparisonPartial.init(path:), ComparisonPartial.isComparisonPartial(at:), "write it with 'deltah compare BEFORE AFTER --shard i/n --partial OUT'") }
    let merged = try DumpPipeline.mergeComparison(parts, trustTolerance: trust.value)
    if perToken != nil, !merged.coverage.isComplete { throw ValidationError("--per-token needs every shard: \(merged.coverage)") }
    if let perToken { try merged.comparison.perTokenWriter(trustTolerance: trust.value).write(to: perToken) }
    try output.print(merged.result)
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
