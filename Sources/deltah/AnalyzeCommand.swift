// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps

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
      try writePartial(shard: shard, to: partial)
      return
    }
    let series = try DumpPipeline.analyze(paths: dumps, settings: settings.pipeline) { ProgressBar("analyzing \($0)").update }
    if let perToken { try series.analyses[0].perTokenWriter().write(to: perToken) }
    try Self.printSeries(series.summaries, warnings: series.warnings, json: json)
    for w in series.warnings { writeStandardError("warning: \(w)\n") }
    for s in series.summaries { for w in s.warnings { writeStandardError("warning: \(s.file): \(w)\n") } }
  }
}

extension AnalyzeCommand {
  /// Prints one summary, or the step series of several, as a table or JSON.
  static func printSeries(_ summaries: [DumpSummary], warnings: [String], json: Bool) throws {
    if json {
      if summaries.count == 1 {
        try printJSON(summaries[0], kind: .analyze)
      } else {
        try printJSON(StepSeries(
          steps: summaries, covarianceEntropyChangeCorrelation: CovarianceEntropyChange(summaries: summaries),
          warnings: warnings), kind: .analyzeSeries)
      }
    } else if summaries.count == 1 {
      print(SummaryFormatting.table(summaries[0]))
    } else {
      print(SummaryFormatting.stepTable(summaries, seriesWarnings: warnings))
      let link = CovarianceEntropyChange(summaries: summaries)
      print("Pearson(Cov(log π, A) at step k, ΔH token-mean k → k+1) = \(link.correlation.map { formatNumber($0, digits: 4) } ?? "-") over \(link.n) pairs" + (link.n < 3 ? " (needs ≥ 3)" : ""))
    }
  }

  /// Reads shard `shard` of the one dump and writes its ``AnalysisPartial`` for `deltah merge`.
  func writePartial(shard: ShardArgument, to partial: String) throws {
    let dump = try LogitDump(path: dumps[0])
    let path = dump.path
    let range = try shard.range(positionShape: dump.positionShape, file: path)
    let table = try PositionTable(
      dump: dump, temperature: settings.temperature ?? dump.temperature, range: range,
      progress: ProgressBar("analyzing \(path)").update)
    var options = settings.pipeline.resolvedOptions(dumpLearningRate: dump.learningRate)
    if settings.temperature != nil { options.temperatureSource = .flag }
    try AnalysisPartial(dump: dump, table: table, options: options, shard: (shard.index, shard.count)).write(to: partial)
    writeStandardError("wrote partial \(partial) (positions \(range.lowerBound)..<\(range.upperBound))\n")
    for w in dump.ignoredTensorWarnings { writeStandardError("warning: \(path): \(w)\n") }
  }
}

struct StepSeries: Encodable {
  let steps: [DumpSummary]
  /// Pearson correlation of Cov(log π, A) at step k with the token-mean ΔH from k to k+1.
  let covarianceEntropyChangeCorrelation: CovarianceEntropyChange
  /// Series-level warnings: order, missing/repeated steps, shape or vocabulary changes.
  let warnings: [String]

  enum CodingKeys: String, CodingKey {
    case steps
    case covarianceEntropyChangeCorrelation = "covariance_entropy_change_correlation"
    case warnings
  }
}
