// DeltaH — entropy change of softmax policies.

/// Settings of a dump analysis, with the defaults of the papers and of verl.
public struct AnalysisOptions: Sendable, Codable, Equatable {
  /// η in the polarity split α = η·A (c = 1: on-policy REINFORCE-style, no ratio, no clipping).
  public var learningRate: Double = 1
  /// Where ``learningRate`` came from (shown next to it in every report).
  public var learningRateSource: LearningRateSource = .default
  /// Where the temperature T came from: the command line (`flag`), the dump's metadata, or the
  /// default 1 (shown next to T, with a warning for the default); nil: not known (the analysis of a
  /// bare ``PositionTable``).
  public var temperatureSource: LearningRateSource? = nil
  /// KL-Cov selection ratio as a **fraction** (verl `kl_cov_ratio`, default 0.0002). The original
  /// PRIME code's `k_percent` is in percent: `k_percent = 0.2` is a ratio of 0.002 here.
  public var klCovRatio: Double = 0.0002
  /// Clip-Cov candidate bounds ω_low < Cov_i < ω_high (strict; verl 1 and 5).
  public var clipCovBounds: ClosedRangeBounds = .init(lower: 1, upper: 5)
  /// Clip-Cov pick ratio (verl `clip_cov_ratio`, 0.0002).
  public var clipCovRatio: Double = 0.0002
  /// Micro-batch size for per-micro-batch covariance and selections: sequences per micro-batch for
  /// a [B, T] dump, positions per micro-batch for an [N] dump. nil: global only.
  public var microBatch: Int? = nil
  /// Seed of the Clip-Cov random pick (GSL mt19937).
  public var seed: UInt64 = 1
  /// STEER weight range (linear mode of the released code: 0.8 … 1.2).
  public var steerWeightRange: ClosedRangeBounds = .init(lower: 0.8, upper: 1.2)
  /// PPO ratio clipping for the polarity split (c_t = r_t·1[not clipped]); nil: c = 1.
  public var clipping: ClipSettings? = nil

  /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
  public enum CodingKeys: String, CodingKey {
    case seed, clipping
    case learningRate = "learning_rate"
    case learningRateSource = "learning_rate_source"
    case temperatureSource = "temperature_source"
    case klCovRatio = "kl_cov_ratio"
    case clipCovBounds = "clip_cov_bounds"
    case clipCovRatio = "clip_cov_ratio"
    case microBatch = "micro_batch"
    case steerWeightRange = "steer_weight_range"
  }

  public init() {}

  /// A pair of bounds, lower ≤ upper.
  public struct ClosedRangeBounds: Sendable, Codable, Equatable {
    public var lower: Double
    public var upper: Double
    public init(lower: Double, upper: Double) {
      self.lower = lower
      self.upper = upper
    }

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case lower, upper
    }
  }
}
