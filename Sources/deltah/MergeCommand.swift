// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the partials of `deltah analyze --shard i/n` into the whole-dump analysis.",
    discussion: "Merging is exact: the result equals analysing the whole dump in one run.")

  @Argument(help: "Partial files written by `deltah analyze DUMP --shard i/n --partial OUT`.")
  var partials: [String]

  @OptionGroup var settings: AnalysisSettings

  @Option(help: "Write per-position tensors of the merged batch to this .safetensors file.")
  var perToken: String?

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    guard !partials.isEmpty else { throw ValidationError("give at least one partial") }
    if settings.temperature != nil { throw ValidationError("--temperature is fixed when the partials are written") }
    try settings.validate()
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken], inputs: partials)
    let parts = try partials.map { (path: $0, table: try PositionTable(partialAt: $0)) }
    let merged = try PositionTable(merging: parts)
    let covered = merged.count, expected = merged.positionShape.reduce(1, *)
    let analysis = try BatchAnalysis(table: merged, file: partials.joined(separator: ","), step: nil, options: settings.options())
    var summary = analysis.summary
    if covered != expected {
      summary.warnings.append("the partials cover \(covered) of \(expected) positions")
    }
    if let perToken { try analysis.perTokenWriter().write(to: perToken) }
    if json { try printJSON(summary) } else { print(SummaryFormatting.table(summary)) }
    for w in summary.warnings { writeStandardError("warning: \(w)\n") }
  }
}
