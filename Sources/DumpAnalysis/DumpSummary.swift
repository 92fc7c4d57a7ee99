// DeltaH — entropy change of softmax policies.

/// The batch-level results of analysing one dump. Encodes to JSON with snake_case keys.
public struct DumpSummary: Sendable, Codable {
  /// The dump analysed.
  public var file: String
  /// Training step from the dump's metadata.
  public var step: Int?
  /// Temperature T applied to the logits.
  public var temperature: Double
  /// Where T came from: "flag", "metadata" or "default" (nil when not known).
  public var temperatureSource: String? = nil
  /// η of the polarity split (the logit-space step size, not the optimizer's learning rate).
  public var learningRate: Double
  /// Where η came from: "flag", "metadata" or "default" (nil in JSON of older versions).
  public var learningRateSource: String? = nil
  /// Which tensor was read as which contract field (see ``TensorRead``).
  public var tensorsRead: [TensorRead]? = nil
  /// Tensors of the dump that the contract does not use (each also named in ``warnings``).
  public var ignoredTensors: [String]? = nil
  /// Valid positions (mask = 1, finite logits).
  public var tokens: Int
  /// All positions in the dump (or shard).
  public var positions: Int
  /// Valid positions with NaN/±Inf logits (excluded from every statistic; masked-out rows are not
  /// read).
  public var nonFiniteRows: Int
  /// Up to eight such positions, as flat indices.
  public var nonFiniteExamples: [Int]
  /// Where the entropy came from: "logits" (recomputed), "logged" or "none".
  public var entropySource: String
  /// Mean H over valid tokens (verl's token-mean).
  public var entropyTokenMean: Double?
  /// Mean over sequences of the per-sequence mean H (Cui et al. Eq. 5, seq-mean-token-mean).
  public var entropySeqMeanTokenMean: Double?
  /// Entropy percentiles and the 80/20 statistics.
  public var entropyPercentiles: EntropyPercentiles?
  /// Log-prob/advantage covariance, global and per micro-batch.
  public var covariance: CovarianceSummary?
  /// KL-Cov's selected tokens over the whole batch (sorted flat indices).
  public var klCovSelected: [Int]?
  /// KL-Cov's selected tokens when each micro-batch selects on its own (verl's behaviour).
  public var klCovSelectedPerMicroBatch: [Int]?
  /// Number of Clip-Cov candidates ω_low < Cov_i < ω_high; with clip settings (and old
  /// log-probabilities) only among the tokens verl's `clip_by_origin` leaves unclipped, the ε_l/ε_h
  /// clip without the dual clip: a dual-clipped token (A < 0, r > c) stays a candidate.
  public var clipCovCandidates: Int?
  /// Clip-Cov's seeded random pick (sorted flat indices).
  public var clipCovSelected: [Int]?
  /// Polarity sums and counts by sign.
  public var polarity: PolaritySummary?
  /// OPEFO's entropy flows and balancing coefficient.
  public var opefo: OPEFOSummary?
  /// STEER's Ω and weights (released-code form).
  public var steer: STEERSummary?
  /// Token counts and summed polarity per (advantage sign × probability vs e^(−H)) quadrant.
  public var quadrants: [QuadrantRow]?
  /// Mean logit-gradient norm ‖∂ log π(y)/∂x‖ = √(1 − 2π_y + Σπ²), x = z/T (the raw-logit norm is this / T).
  public var gradientNormMean: Double?
  /// Entropy bounds from top-k log-probabilities.
  public var topK: TopKSummary?
  /// Top-1/top-2 logit-gap statistics (policy-cliff near ties), from full logits.
  public var nearTies: NearTieSummary?
  /// Recomputed vs logged values.
  public var audit: Audit?
  /// Ratio clipping (`--clip-low/--clip-high`), see ``ClipSettings``.
  public var clipping: ClippingSummary?
  /// Per prompt-group statistics, with `group_ids`.
  public var groups: GroupSummary?
  /// Things the user should know (unit traps, missing tensors, disagreements).
  public var warnings: [String]
  /// The batch settings of the selections (nil in JSON of older versions).
  public var settings: SelectionSettings? = nil

  /// The JSON keys of a summary (the `analyze` kind), snake_case as every `--json` file spells them;
  /// `report` and `series` decode them as written (no key strategy). An optional section that is nil
  /// is left out.
  public enum CodingKeys: String, CodingKey {
    case file, step, temperature, tokens, positions, covariance, polarity, opefo, steer, quadrants
    case audit, clipping, groups, warnings, settings
    case temperatureSource = "temperature_source"
    case learningRate = "learning_rate"
    case learningRateSource = "learning_rate_source"
    case tensorsRead = "tensors_read"
    case ignoredTensors = "ignored_tensors"
    case nonFiniteRows = "non_finite_rows"
    case nonFiniteExamples = "non_finite_examples"
    case entropySource = "entropy_source"
    case entropyTokenMean = "entropy_token_mean"
    case entropySeqMeanTokenMean = "entropy_seq_mean_token_mean"
    case entropyPercentiles = "entropy_percentiles"
    case klCovSelected = "kl_cov_selected"
    case klCovSelectedPerMicroBatch = "kl_cov_selected_per_micro_batch"
    case clipCovCandidates = "clip_cov_candidates"
    case clipCovSelected = "clip_cov_selected"
    case gradientNormMean = "gradient_norm_mean"
    case topK = "top_k"
    case nearTies = "near_ties"
  }

  public struct EntropyPercentiles: Sendable, Codable {
    /// Percentile (as a string like "p80") → entropy, by linear interpolation between order
    /// statistics (numpy's default "linear" rule: position (n − 1)·q).
    public var values: [String: Double]
    /// Share of valid tokens with H < 0.01 nats.
    public var shareBelow001: Double
    /// The 80th percentile (the 80/20 threshold, 0.672 nats in Wang et al.'s Qwen3 runs).
    public var threshold80: Double
    /// Share of valid tokens with H > the 80th percentile.
    public var shareAbove80: Double

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case values, threshold80
      case shareBelow001 = "share_below001"
      case shareAbove80 = "share_above80"
    }
  }

  public struct CovarianceSummary: Sendable, Codable {
    /// (1/N) Σ (ℓ_i − ℓ̄)(A_i − Ā) over all valid tokens.
    public var global: Double
    /// ℓ̄ and Ā over valid tokens.
    public var logProbabilityMean: Double
    public var advantageMean: Double
    /// Micro-batch size used, if any.
    public var microBatchSize: Int?
    /// The covariance of each micro-batch (centred within it, as verl does).
    public var microBatch: [Double]?
    /// Mean over micro-batches.
    public var microBatchMean: Double?

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case global
      case logProbabilityMean = "log_probability_mean"
      case advantageMean = "advantage_mean"
      case microBatchSize = "micro_batch_size"
      case microBatch = "micro_batch"
      case microBatchMean = "micro_batch_mean"
    }
  }

  public struct PolaritySummary: Sendable, Codable {
    public var sumPositive: Double
    public var sumNegative: Double
    public var countPositive: Int
    public var countNegative: Int
    public var countZero: Int
    /// Σ polarity = predicted first-order ΔH summed over tokens.
    public var total: Double
    /// Σ polarity / tokens: the first-order prediction of the token-mean entropy change.
    public var mean: Double
    /// Σ sampled-token terms and Σ correction terms.
    public var sampledTermSum: Double
    public var correctionTermSum: Double

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case total, mean
      case sumPositive = "sum_positive"
      case sumNegative = "sum_negative"
      case countPositive = "count_positive"
      case countNegative = "count_negative"
      case countZero = "count_zero"
      case sampledTermSum = "sampled_term_sum"
      case correctionTermSum = "correction_term_sum"
    }
  }

  public struct OPEFOSummary: Sendable, Codable {
    /// Φ+ = Σ_{P>0} P,  Φ− = Σ_{P<0} |P|,  λ* = (Φ− − Φ+)/(Φ− + Φ+).
    public var phiPlus: Double
    public var phiMinus: Double
    public var lambdaStar: Double?

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case phiPlus = "phi_plus"
      case phiMinus = "phi_minus"
      case lambdaStar = "lambda_star"
    }
  }

  public struct STEERSummary: Sendable, Codable {
    public var omegaAbsMin: Double
    public var omegaAbsMax: Double
    public var weightMin: Double
    public var weightMax: Double
    public var weightMean: Double
    /// Whether π_old came from `old_logprobs` (else the ratio is taken as 1).
    public var usedOldLogprobs: Bool

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case omegaAbsMin = "omega_abs_min"
      case omegaAbsMax = "omega_abs_max"
      case weightMin = "weight_min"
      case weightMax = "weight_max"
      case weightMean = "weight_mean"
      case usedOldLogprobs = "used_old_logprobs"
    }
  }

  public struct QuadrantRow: Sendable, Codable {
    public var quadrant: String
    public var tokens: Int
    public var polaritySum: Double

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case quadrant, tokens
      case polaritySum = "polarity_sum"
    }
  }

  public struct TopKSummary: Sendable, Codable {
    public var k: Int
    public var entropyLowerBoundMean: Double
    public var entropyUpperBoundMean: Double?
    public var tailMassMean: Double
    public var tailMassMax: Double

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case k
      case entropyLowerBoundMean = "entropy_lower_bound_mean"
      case entropyUpperBoundMean = "entropy_upper_bound_mean"
      case tailMassMean = "tail_mass_mean"
      case tailMassMax = "tail_mass_max"
    }
  }

  /// Positions whose top-1/top-2 gap g = x₍₁₎ − x₍₂₎ (x = z/T) is below `threshold` sit near a tie
  /// of the greedy policy (docs/theory.md#near-ties): π₂/π₁ = e^(−g).
  public struct NearTieSummary: Sendable, Codable {
    public var threshold: Double
    public var nearTies: Int
    public var share: Double
    public var meanEntropyNearTie: Double?
    public var meanEntropyOther: Double?
    /// Gap quantiles ("q01", "q05", "q25", "q50", "q75", "q95").
    public var gapQuantiles: [String: Double]

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case threshold, share
      case nearTies = "near_ties"
      case meanEntropyNearTie = "mean_entropy_near_tie"
      case meanEntropyOther = "mean_entropy_other"
      case gapQuantiles = "gap_quantiles"
    }
  }

  public struct Audit: Sendable, Codable {
    public var entropy: Disagreement?
    public var logprobs: Disagreement?

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case entropy, logprobs
    }
  }

  /// The largest |recomputed − logged| and where it is.
  public struct Disagreement: Sendable, Codable {
    public var maxAbsDifference: Double
    public var meanAbsDifference: Double
    public var position: Int
    public var recomputed: Double
    public var logged: Double

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case position, recomputed, logged
      case maxAbsDifference = "max_abs_difference"
      case meanAbsDifference = "mean_abs_difference"
    }
  }
}
