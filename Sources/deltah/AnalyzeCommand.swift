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
    try settings.validate()
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken, partial], inputs: dumps)
    var summaries: [DumpSummary] = []
    for path in dumps {
      let dump = try LogitDump(path: path)
      let temperature = settings.temperature ?? dump.temperature
      let bar = ProgressBar("analyzing \(path)")
      let range = shard.map { PositionTable.shardRange(index: $0.index, of: $0.count, positionShape: dump.positionShape) }
      let table = try PositionTable(dump: dump, temperature: temperature, range: range, progress: bar.update)
      if let partial {
        try table.writePartial(to: partial, source: path, step: dump.step)
        writeStandardError("wrote partial \(partial) (positions \(range!.lowerBound)..<\(range!.upperBound))\n")
        return
      }
      let analysis = try BatchAnalysis(table: table, file: path, step: dump.step, options: settings.options(dumpLearningRate: dump.learningRate))
      var summary = analysis.summary
      if let t = settings.temperature, t != dump.temperature {
        summary.warnings.append("temperature \(t) given on the command line; the dump's metadata says \(dump.temperature)")
      }
      if let perToken {
        try analysis.perTokenWriter().write(to: perToken)
      }
      summaries.append(summary)
    }
    if json {
      if summaries.count == 1 { try printJSON(summaries[0]) } else { try printJSON(StepSeries(steps: summaries)) }
    } else if summaries.count == 1 {
      print(SummaryFormatting.table(summaries[0]))
    } else {
      print(SummaryFormatting.stepTable(summaries))
    }
    for s in summaries { for w in s.warnings { writeStandardError("warning: \(s.file): \(w)\n") } }
  }
}

struct StepSeries: Encodable {
  let steps: [DumpSummary]
}

/// Options shared by `analyze` and `merge`.
struct AnalysisSettings: ParsableArguments {
  @Option(help: "Temperature T applied to the logits (default: the dump's metadata, else 1).")
  var temperature: Double?

  @Option(parsing: .unconditional, help: "η in the polarity split α = η·A (default: the dump's metadata 'lr', else 1).")
  var lr: Double?

  @Option(help: "KL-Cov ratio as a fraction (verl kl_cov_ratio; 0.0002).")
  var klCovRatio: Double = 0.0002

  @Option(parsing: .unconditional, help: "Clip-Cov bounds lb,ub (strict: lb < Cov < ub).")
  var clipCovBounds: VectorArgument?

  @Option(help: "Clip-Cov pick ratio (verl clip_cov_ratio; 0.0002).")
  var clipCovRatio: Double = 0.0002

  @Option(help: "Micro-batch size (sequences for [B, T] dumps, positions for [N]) for per-micro-batch covariance and KL-Cov.")
  var microBatch: Int?

  @Option(help: "Seed of the Clip-Cov random pick (GSL mt19937).")
  var seed: UInt64 = 1

  func validate() throws {
    if let t = temperature, !(t.isFinite && t > 0) { throw ValidationError("--temperature must be a finite number > 0") }
    if let lr, !lr.isFinite { throw ValidationError("--lr must be finite") }
    guard klCovRatio > 0, klCovRatio <= 1 else { throw ValidationError("--kl-cov-ratio must be in (0, 1]: it is a fraction, not a percentage") }
    guard clipCovRatio > 0, clipCovRatio <= 1 else { throw ValidationError("--clip-cov-ratio must be in (0, 1]") }
    if let b = clipCovBounds, b.values.count != 2 || !(b.values[0] < b.values[1]) {
      throw ValidationError("--clip-cov-bounds takes two numbers lb,ub with lb < ub")
    }
    if let m = microBatch, m < 1 { throw ValidationError("--micro-batch must be at least 1") }
  }

  /// The analysis options; η falls back to the dump's recorded learning rate, then to 1.
  func options(dumpLearningRate: Double? = nil) -> AnalysisOptions {
    var o = AnalysisOptions()
    o.learningRate = lr ?? dumpLearningRate ?? 1
    o.klCovRatio = klCovRatio
    o.clipCovRatio = clipCovRatio
    if let b = clipCovBounds { o.clipCovBounds = .init(lower: b.values[0], upper: b.values[1]) }
    o.microBatch = microBatch
    o.seed = seed
    return o
  }
}

struct ShardArgument: ExpressibleByArgument {
  let index: Int
  let count: Int
  init?(argument: String) {
    let parts = argument.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
    index = i
    count = n
  }
}
