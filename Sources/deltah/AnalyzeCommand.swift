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

  @OptionGroup var sharding: ShardOptions

  @OptionGroup var output: OutputOptions

  func validate() throws {
    if perToken != nil, dumps.count != 1 { throw ValidationError("--per-token takes exactly one dump") }
    if sharding.shard != nil, dumps.count != 1 { throw ValidationError("--shard takes exactly one dump") }
    try sharding.refuse(json: output.json, perToken: perToken, whole: "whole-dump result")
    if sharding.shard != nil, settings.clipping.settings != nil {
      throw ValidationError("--clip-low/--clip-high are not recorded in partials: run the clipping analysis without --shard")
    }
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken, sharding.partial], inputs: dumps)
    if let shard = sharding.shard, let partial = sharding.partial { return try writePartial(shard, to: partial) }
    let series = try DumpPipeline.analyze(paths: dumps, settings: settings.pipeline) { ProgressBar("analyzing \($0)").update }
    if let perToken { try series.analyses[0].perTokenWriter().write(to: perToken) }
    try output.print(series.stepSeries, warnings: series.summaries.flatMap { s in s.warnings.map { "\(s.file): \($0)" } })
  }

  /// Analyses shard `shard` of the one dump and writes its partial for `deltah merge`.
  private func writePartial(_ shard: ShardArgument, to partial: String) throws {
    let dump = try LogitDump(path: dumps[0])
    let range = try shard.range(positionShape: dump.positionShape, file: dump.path)
    try DumpPipeline.partial(
      dump, settings: settings.pipeline, shard: (shard.index, shard.count), range: range,
      progress: ProgressBar("analyzing \(dump.path)").update
    ).write(to: partial)
    OutputFile.writeStandardError("wrote partial \(partial) (positions \(range.lowerBound)..<\(range.upperBound))\n")
    for w in dump.ignoredTensorWarnings { OutputFile.writeStandardError("warning: \(dump.path): \(w)\n") }
  }
}
