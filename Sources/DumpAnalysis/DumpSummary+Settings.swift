// DeltaH — entropy change of softmax policies.

extension DumpSummary {
  /// The batch settings a summary's selections were computed with (``AnalysisOptions``): KL-Cov's
  /// ratio, Clip-Cov's bounds, ratio and seed, the micro-batch size and STEER's weight range. They
  /// set `kl_cov_selected`, `kl_cov_selected_per_micro_batch`, `clip_cov_candidates`,
  /// `clip_cov_selected`, the per-micro-batch covariance and the STEER weights, so every summary
  /// records them (T, η and the ratio clipping have their own keys). JSON key `settings`; the
  /// micro-batch size is written as null when there is none.
  public struct SelectionSettings: Sendable, Codable, Equatable {
    /// KL-Cov ratio as a fraction (verl `kl_cov_ratio`).
    public var klCovRatio: Double
    /// Clip-Cov candidate bounds ω_low < Cov_i < ω_high.
    public var clipCovBounds: AnalysisOptions.ClosedRangeBounds
    /// Clip-Cov pick ratio (verl `clip_cov_ratio`).
    public var clipCovRatio: Double
    /// Micro-batch size (sequences of a [B, T] dump, positions of an [N] dump), nil: none.
    public var microBatch: Int?
    /// Seed of the Clip-Cov random pick (GSL mt19937).
    public var seed: UInt64
    /// STEER weight range.
    public var steerWeightRange: AnalysisOptions.ClosedRangeBounds

    /// The selection settings of `options`.
    ///
    /// - Complexity: O(1).
    public init(_ options: AnalysisOptions) {
      klCovRatio = options.klCovRatio
      clipCovBounds = options.clipCovBounds
      clipCovRatio = options.clipCovRatio
      microBatch = options.microBatch
      seed = options.seed
      steerWeightRange = options.steerWeightRange
    }

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case seed
      case klCovRatio = "kl_cov_ratio"
      case clipCovBounds = "clip_cov_bounds"
      case clipCovRatio = "clip_cov_ratio"
      case microBatch = "micro_batch"
      case steerWeightRange = "steer_weight_range"
    }

    /// Encodes every key, `micro_batch` as null when there is no micro-batch (so that "none" is
    /// shown rather than left out).
    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(klCovRatio, forKey: .klCovRatio)
      try c.encode(clipCovBounds, forKey: .clipCovBounds)
      try c.encode(clipCovRatio, forKey: .clipCovRatio)
      try c.encode(microBatch, forKey: .microBatch)
      try c.encode(seed, forKey: .seed)
      try c.encode(steerWeightRange, forKey: .steerWeightRange)
    }
  }
}
