// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps
import Reports

struct AnalyzeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze",
    abstract: "Analyse exported logit dumps: entropy, covariance, polarity, Clip-Cov/KL-Cov, audit.",
    discussion: """
      DUMP is a .safetensors file, an .npz archive, or a folder of .npy files (see the README for \
      the contract). Several dumps (e.g. run/step_*.safetensors) give a per-step table. With \
      --shard i/n only that share of the positions is read and written with --partial, to be \
      combined exactly by `deltah merge`.
      """)

  @Argument(help: "One or more dumps.")
  var dumps: [String]

  @OptionGroup var settings: AnalysisSettings

  @Option(help: "Write per-position tensors (entropy, logprob, centred_cov, sampled_term, correction_term, polarity, …) to this .safetensors file (one dump only).")
  var perToken: String?

  @Option(help: "Analyse shard i of n (e.g. 0/4): whole sequences of a [B, T] dump, contiguous positions of an [N] dump.")
  var shard: ShardArgument?

  @Option(help: "With --shard: where to write the shard's partial for `deltah merge`.")
  var partial: String?

  @Flag(help: "Print JSON instead of tables.")
  var json = false

  func validate() throws {
    if perToken != nil, dumps.count != 1 { throw ValidationError("--per-token takes exactly one dump") }
    if (shard == nil) != (partial == nil) { throw ValidationError("--shard and --partial go together") }
    if shard != nil, dumps.count != 1 { throw ValidationError("--shard takes exactly one dump") }
    if shard != nil, json || perToken != nil {
      throw ValidationError("--shard writes only the partial; give --json and --per-token to 'deltah merge', which prints the whole-dump result")
    }
    if shard != nil, settings.clipping.settings != nil {
      throw ValidationError("--clip-low/--clip-high are not recorded in partials: run the clipping analysis without --shard")
    }
    try settings.validate()
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken, partial], inputs: dumps)
    if let shard, let partial {
      let dump = try LogitDump(path: dumps[0])
      let range = try shard.range(positionShape: dump.positionShape, file: dump.path)
      try DumpPipeline.partial(
        dump, settings: settings.pipeline, shard: (shard.index, shard.count), range: range,
        progress: ProgressBar("analyzing \(dump.path)").update
      ).write(to: partial)
      writeStandardError("wrote partial \(partial) (positions \(range.lowerBound)..<\(range.upperBound))\n")
      for w in dump.ignoredTensorWarnings { writeStandardError("warning: \(dump.path): \(w)\n") }
      return
    }
    let series = try DumpPipeline.analyze(paths: dumps, settings: settings.pipeline) { ProgressBar("analyzing \($0)").update }
    if let perToken { try series.analyses[0].perTokenWriter().write(to: perToken) }
    try Self.printResult(series.stepSeries, json: json)
    for s in series.summaries { for w in s.warnings { writeStandardError("warning: \(s.file): \(w)\n") } }
  }

  /// Prints one summary (kind `analyze`), or the step series of several (`analyze-series`), as a
  /// table or JSON, then the series warnings on standard error.
  static func printResult(_ series: StepSeriesSummary, json: Bool) throws {
    switch (json, series.steps.count) {
    case (true, 1): try printJSON(series.steps[0], kind: .analyze)
    case (true, _): try printJSON(series, kind: .analyzeSeries)
    case (false, 1): print(TextTable.rendered(summary: series.steps[0]))
    case (false, _): print(TextTable.rendered(stepSeries: series))
    }
    for w in series.warnings { writeStandardError("warning: \(w)\n") }
  }
}
