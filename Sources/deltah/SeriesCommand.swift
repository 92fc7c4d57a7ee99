// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
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

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard !summaries.isEmpty else { throw ValidationError("give at least one summary JSON file") }
  }

  func run() throws {
    try output.print(StepSeriesSummary(summaryFiles: summaries))
  }
}
