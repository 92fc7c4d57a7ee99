// DeltaH — entropy change of softmax policies.

import RealModule
import _LogitKernelsC

/// Per-position statistics of one logit row z ∈ ℝⱽ at temperature T.
///
/// With x = z/T, m = max x, π = softmax(x), ℓ = log π and H = −Σ πᵢ ℓᵢ:
///
///     logSumExp               = m + log Σᵢ exp(xᵢ − m)
///     entropy                 = H
///     sumSquaredProbabilities = Σᵢ πᵢ²
///     expectedDiscriminator   = E_π[S] = Σᵢ πᵢ² (ℓᵢ + H) = Cov_π(π, ℓ) ≥ 0
///     sampledLogProbability   = ℓₖ = xₖ − logSumExp
///     sampledDiscriminator    = Sₖ = πₖ (ℓₖ + H)
///
/// (docs/theory.md#polarity). If the row holds a NaN or ±∞ element, every `Double` field is NaN and
/// ``nonFiniteCount`` says how many elements were non-finite.
public struct LogitRowStatistics: Sendable, Hashable {
  /// m = maxᵢ zᵢ/T, the largest tempered logit.
  public var maxLogit: Double
  /// m − (second largest zᵢ/T), counted with multiplicity (0 for a tie at the top); +∞ if V = 1.
  /// Near-zero gaps are the near-ties of the policy-cliff analysis (docs/theory.md#near-ties).
  public var topTwoGap: Double
  /// log Σᵢ exp(zᵢ/T).
  public var logSumExp: Double
  /// H = −Σᵢ πᵢ log πᵢ in nats.
  public var entropy: Double
  /// Σᵢ πᵢ² (collision probability).
  public var sumSquaredProbabilities: Double
  /// E_π[S] = Σᵢ πᵢ² (log πᵢ + H), the state-wise correction of the polarity split.
  public var expectedDiscriminator: Double
  /// log πₖ of the sampled token k; NaN if no token was given or it was out of range.
  public var sampledLogProbability: Double
  /// Sₖ = πₖ (log πₖ + H) of the sampled token; NaN if no token was given or it was out of range.
  public var sampledDiscriminator: Double
  /// Number of NaN/±∞ elements of the row (the statistics are NaN when this is > 0).
  public var nonFiniteCount: Int
  /// `true` if a sampled token was given for this row but was outside 0..<V.
  public var sampledTokenOutOfRange: Bool

  /// `true` when the row was finite and its statistics are numbers.
  ///
  /// - Complexity: O(1).
  public var isFinite: Bool { nonFiniteCount == 0 }

  /// The value written for a row that a row mask excludes: the row is not read, every `Double`
  /// field is NaN, ``nonFiniteCount`` is 0 and ``sampledTokenOutOfRange`` is `false`.
  public static let skipped = LogitRowStatistics(
    sums: lk_row_sums(
      max_logit: .nan, second_logit: .nan, s0: .nan, s1: .nan, s2: .nan, s3: .nan, non_finite: 0),
    temperature: 1, sampledLogit: nil, sampledTokenOutOfRange: false)

  /// Combines the kernel accumulators (M = max z, d = (z − M)/T, e = exp d,
  /// S0 = Σe, S1 = Σe·d, S2 = Σe², S3 = Σe²·d) in Double:
  ///
  ///     log Z = log S0,  H = log Z − S1/S0,  Σπ² = S2/S0²,
  ///     E_π[S] = Σπ² log π + H Σπ² = (S3 − S2·log Z)/S0² + H·S2/S0² = (S3 − S2·S1/S0)/S0²
  ///
  /// `sampledLogit` is z_k (raw) when a valid token was given.
  init(
    sums s: lk_row_sums, temperature: Double, sampledLogit: Double?, sampledTokenOutOfRange: Bool
  ) {
    self.nonFiniteCount = Int(s.non_finite)
    self.sampledTokenOutOfRange = sampledTokenOutOfRange
    guard s.non_finite == 0 else {
      maxLogit = .nan
      topTwoGap = .nan
      logSumExp = .nan
      entropy = .nan
      sumSquaredProbabilities = .nan
      expectedDiscriminator = .nan
      sampledLogProbability = .nan
      sampledDiscriminator = .nan
      return
    }
    let logZ = Double.log(s.s0)
    let meanD = s.s1 / s.s0
    let h = logZ - meanD
    let z2 = s.s0 * s.s0
    maxLogit = s.max_logit / temperature
    topTwoGap = (s.max_logit - s.second_logit) / temperature
    logSumExp = maxLogit + logZ
    entropy = h
    sumSquaredProbabilities = s.s2 / z2
    expectedDiscriminator = (s.s3 - s.s2 * meanD) / z2
    if let zk = sampledLogit {
      let lk = (zk - s.max_logit) / temperature - logZ
      sampledLogProbability = lk
      sampledDiscriminator = Double.exp(lk) * (lk + h)
    } else {
      sampledLogProbability = .nan
      sampledDiscriminator = .nan
    }
  }
}
