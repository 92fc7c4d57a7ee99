// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis

/// Options shared by `analyze` and `whatif`: the temperature plus the batch settings.
struct AnalysisSettings: ParsableArguments {
  @Option(parsing: .unconditional, help: "Temperature T > 0 applied to the logits (default: the dump's metadata 'temperature', else 1).", transform: CheckedArgument.temperature)
  var temperature: Double?

  @OptionGroup var batch: BatchSettings

  @OptionGroup var clipping: ClippingSettings

  /// Nothing to check here: the options check their domains while parsing and the groups validate
  /// themselves (non-mutating, for the commands that call it from their own `validate()`).
  func validate() throws {}

  /// The dump pipeline's settings: T and η as given (nil: the dump's metadata) and the batch options.
  var pipeline: DumpAnalysisSettings {
    DumpAnalysisSettings(temperature: temperature, learningRate: batch.lr, options: batch.options(over: AnalysisOptions(clipping: clipping.settings)))
  }
}

/// The batch settings of `analyze`, `whatif` and `merge` (no temperature: merge reads it from the
/// partials). Options are optional so that `merge` can tell a flag given from the value recorded
/// in the partials.
struct BatchSettings: ParsableArguments {
  @Option(parsing: .unconditional, help: "η > 0, the logit-space step size of the polarity split α = η·A; not the optimizer's learning rate (default: the dump's metadata 'lr', else 1, with a warning).", transform: CheckedArgument.positive)
  var lr: Double?

  @Option(parsing: .unconditional, help: "KL-Cov ratio as a fraction, verl kl_cov_ratio (default: 0.0002).", transform: CheckedArgument.fraction)
  var klCovRatio: Double?

  @Option(parsing: .unconditional, help: "Clip-Cov bounds lb,ub, strict: lb < Cov < ub (default: 1,5).", transform: CheckedArgument.band(strict: true))
  var clipCovBounds: CheckedArgument.Band?

  @Option(parsing: .unconditional, help: "Clip-Cov pick ratio as a fraction, verl clip_cov_ratio (default: 0.0002).", transform: CheckedArgument.fraction)
  var clipCovRatio: Double?

  @Option(parsing: .unconditional, help: "Micro-batch size (sequences for [B, T] dumps, positions for [N]) for per-micro-batch covariance and KL-Cov (default: none, global only).", transform: CheckedArgument.atLeastOne)
  var microBatch: Int?

  @Option(help: "Seed of the Clip-Cov random pick, GSL mt19937 (default: 1).")
  var seed: UInt64?

  /// Whether any batch setting is given.
  var isEmpty: Bool {
    lr == nil && klCovRatio == nil && clipCovRatio == nil && clipCovBounds == nil && microBatch == nil && seed == nil
  }

  /// `base` with every flag given replacing its setting (η from --lr, source `flag`).
  func options(over base: AnalysisOptions) -> AnalysisOptions {
    base.replacing(learningRate: lr, klCovRatio: klCovRatio, clipCovBounds: clipCovBounds.map { .init(lower: $0.lower, upper: $0.upper) }, clipCovRatio: clipCovRatio, microBatch: microBatch, seed: seed)
  }
}
