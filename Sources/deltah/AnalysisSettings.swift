// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis

/// Options shared by `analyze` and `report`: the temperature plus the batch settings.
struct AnalysisSettings: ParsableArguments {
  @Option(parsing: .unconditional, help: "Temperature T > 0 applied to the logits (default: the dump's metadata 'temperature', else 1).")
  var temperature: Double?

  @OptionGroup var batch: BatchSettings

  @OptionGroup var clipping: ClippingSettings

  func validate() throws {
    if let t = temperature { try Self.checkTemperature(t, argument: "--temperature") }
    try batch.validate()
    try clipping.validate()
  }

  /// T must be finite and > 0 with a finite 1/T (a subnormal T overflows 1/T to ∞).
  static func checkTemperature(_ t: Double, argument: String) throws {
    guard t.isFinite, t > 0 else { throw ValidationError("\(argument) \(t) is invalid: it must be a finite number > 0") }
    guard (1 / t).isFinite else { throw ValidationError("\(argument) \(t) is too small: 1/T overflows to infinity (use T ≥ \(1 / Double.greatestFiniteMagnitude))") }
  }

  /// The analysis options; η from --lr, else the dump's metadata 'lr', else 1, with its source.
  func options(dumpLearningRate: Double? = nil) -> AnalysisOptions {
    var o = batch.options(over: AnalysisOptions(), dumpLearningRate: dumpLearningRate)
    o.clipping = clipping.settings
    return o
  }

  /// The dump pipeline's settings: T and η as given (nil: the dump's metadata) and the batch options.
  var pipeline: DumpAnalysisSettings {
    DumpAnalysisSettings(temperature: temperature, learningRate: batch.lr, options: options())
  }
}

/// The batch settings of `analyze`, `merge` and `report` (no temperature: merge reads it from the
/// partials). Options are optional so that a default is shown once in the help and `merge` can
/// tell a flag given from the value recorded in the partials.
struct BatchSettings: ParsableArguments {
  @Option(parsing: .unconditional, help: "η, the logit-space step size of the polarity split α = η·A; not the optimizer's learning rate (default: the dump's metadata 'lr', else 1, with a warning).")
  var lr: Double?

  @Option(parsing: .unconditional, help: "KL-Cov ratio as a fraction, verl kl_cov_ratio (default: 0.0002).")
  var klCovRatio: Double?

  @Option(parsing: .unconditional, help: "Clip-Cov bounds lb,ub, strict: lb < Cov < ub (default: 1,5).")
  var clipCovBounds: VectorArgument?

  @Option(parsing: .unconditional, help: "Clip-Cov pick ratio, verl clip_cov_ratio (default: 0.0002).")
  var clipCovRatio: Double?

  @Option(parsing: .unconditional, help: "Micro-batch size (sequences for [B, T] dumps, positions for [N]) for per-micro-batch covariance and KL-Cov (default: none, global only).")
  var microBatch: Int?

  @Option(help: "Seed of the Clip-Cov random pick, GSL mt19937 (default: 1).")
  var seed: UInt64?

  func validate() throws {
    if let lr, !lr.isFinite { throw ValidationError("--lr \(lr) is invalid: it must be a finite number") }
    if let r = klCovRatio, !(r > 0 && r <= 1) { throw ValidationError("--kl-cov-ratio \(r) is invalid: it must be in (0, 1]; it is a fraction, not a percentage") }
    if let r = clipCovRatio, !(r > 0 && r <= 1) { throw ValidationError("--clip-cov-ratio \(r) is invalid: it must be in (0, 1]") }
    if let b = clipCovBounds, b.values.count != 2 || !(b.values[0] < b.values[1]) || !b.values.allSatisfy(\.isFinite) {
      throw ValidationError("--clip-cov-bounds takes two finite numbers lb,ub with lb < ub")
    }
    if let m = microBatch, m < 1 { throw ValidationError("--micro-batch \(m) is invalid: it must be at least 1") }
  }

  /// `base` with every flag given applied; η from --lr, else `dumpLearningRate` (metadata), else
  /// `base`'s η and source.
  func options(over base: AnalysisOptions, dumpLearningRate: Double? = nil) -> AnalysisOptions {
    var o = DumpAnalysisSettings(learningRate: lr, options: base).resolvedOptions(dumpLearningRate: dumpLearningRate)
    if let klCovRatio { o.klCovRatio = klCovRatio }
    if let clipCovRatio { o.clipCovRatio = clipCovRatio }
    if let b = clipCovBounds { o.clipCovBounds = .init(lower: b.values[0], upper: b.values[1]) }
    if let microBatch { o.microBatch = microBatch }
    if let seed { o.seed = seed }
    return o
  }
}

/// `--shard i/n`: 0 ≤ i < n, both decimal integers that fit in `Int`.
struct ShardArgument: ExpressibleByArgument {
  let index: Int
  let count: Int
  init?(argument: String) {
    let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
    index = i
    count = n
  }
  static var defaultCompletionKind: CompletionKind { .default }

  /// The flat positions of this shard of a dump with `positionShape`.
  ///
  /// - Throws: ``ArgumentError`` when there are more shards than sequences ([B, T]) or positions ([N]).
  func range(positionShape: [Int], file: String) throws -> Range<Int> {
    let units = positionShape[0]
    guard count <= units else {
      throw ArgumentError("--shard \(index)/\(count): \(file) has only \(units) \(positionShape.count == 2 ? "sequences" : "positions"), so at most \(units) shards")
    }
    return PositionTable.shardRange(index: index, of: count, positionShape: positionShape)
  }
}
