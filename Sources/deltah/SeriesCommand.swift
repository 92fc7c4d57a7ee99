// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import FoundationEssentials
import LogitDumps
import Reports

struct SeriesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "series",
    abstract: "Assemble per-dump summaries (`analyze DUMP --json`, `merge --json`) into the step series `analyze` prints for several dumps.",
    discussion: """
      For runs analysed dump by dump (sharded on a cluster, then merged per dump): the summaries \
      are ordered by their step, checked for repeated or missing steps and shape or vocabulary \
      changes, and paired for the covariance / next-entropy-change correlation, exactly as \
      `deltah analyze DUMP_1 … DUMP_k` does.
      """)

  @Argument(help: "Summary JSON files, one per dump, as `deltah analyze DUMP --json` or `deltah merge … --json` print them.")
  var summaries: [String]

  @Flag(help: "Print JSON instead of tables.")
  var json = false

  func validate() throws {
    guard !summaries.isEmpty else { throw ValidationError("give at least one summary JSON file") }
  }

  func run() throws {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let read = try summaries.map { path -> DumpSummary in
      let data = Data(try InputFile.contents(of: path))  // regular files only: a FIFO does not block
      struct Envelope: Decodable { let kind: String? }
      let kind = (try? JSONDecoder().decode(Envelope.self, from: data))?.kind
      guard kind == DeltaHResultKind.analyze.rawValue else {
        throw ArgumentError("\(path): not the summary of one dump (its kind is \(kind.map { "'\($0)'" } ?? "missing"); expected 'analyze' from deltah analyze DUMP --json or deltah merge --json)")
      }
      do {
        return try decoder.decode(DumpSummary.self, from: data)
      } catch {
        throw ArgumentError("\(path): not the summary of one dump (deltah analyze DUMP --json or deltah merge --json): \(error)")
      }
    }
    let series = StepSeriesCheck(read.map(StepSeriesCheck.Entry.init(summary:)))
    let ordered = series.order.map { read[$0] }
    try AnalyzeCommand.printSeries(ordered, warnings: series.warnings, json: json)
    for w in series.warnings { writeStandardError("warning: \(w)\n") }
  }
}
