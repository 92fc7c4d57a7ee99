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
  /// Number of Clip-Cov candidates ω_low < Cov_i < ω_high.
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
  /// Mean logit-gradient norm ‖∂ log π(y)/∂z‖ = √(1 − 2π_y + Σπ²).
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
  }

  public struct OPEFOSummary: Sendable, Codable {
    /// Φ+ = Σ_{P>0} P,  Φ− = Σ_{P<0} |P|,  λ* = (Φ− − Φ+)/(Φ− + Φ+).
    public var phiPlus: Double
    public var phiMinus: Double
    public var lambdaStar: Double?
  }

  public struct STEERSummary: Sendable, Codable {
    public var omegaAbsMin: Double
    public var omegaAbsMax: Double
    public var weightMin: Double
    public var weightMax: Double
    public var weightMean: Double
    /// Whether π_old came from `old_logprobs` (else the ratio is taken as 1).
    public var usedOldLogprobs: Bool
  }

  public struct QuadrantRow: Sendable, Codable {
    public var quadrant: String
    public var tokens: Int
    public var polaritySum: Double
  }

  public struct TopKSummary: Sendable, Codable {
    public var k: Int
    public var entropyLowerBoundMean: Double
    public var entropyUpperBoundMean: Double?
    public var tailMassMean: Double
    public var tailMassMax: Double
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
  }

  public struct Audit: Sendable, Codable {
    public var entropy: Disagreement?
    public var logprobs: Disagreement?
  }

  /// The largest |recomputed − logged| and where it is.
  public struct Disagreement: Sendable, Codable {
    public var maxAbsDifference: Double
    public var meanAbsDifference: Double
    public var position: Int
    public var recomputed: Double
    public var logged: Double
  }
}
