// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// Across a series of dumps of successive steps (in the order given): does the token covariance
/// of log-probability and advantage at step k predict the change of the token-mean entropy from
/// step k to k + 1? (Cui et al. 2025 §3.3: covariance drives entropy down; first order
/// ΔH ≈ −η·Cov.)
///
///     pairs k = 0 … n − 2 with both values:  c_k = Cov(log π, A) at dump k (centred products over
///                                            valid tokens, `covariance.global`),
///                                            ΔH_k = H̄_{k+1} − H̄_k (entropy token-means)
///     correlation = Pearson(c, ΔH)           (expected negative)
///
/// The correlation is nil with fewer than 3 pairs (two points always correlate ±1) or when either
/// side is constant.
public struct CovarianceEntropyChange: Sendable, Codable, Equatable {
  /// Pearson correlation of c_k with ΔH_k.
  public var correlation: Double?
  /// The number of pairs used.
  public var n: Int
  /// c_k and ΔH_k of the pairs used, in order.
  public var covariance: [Double]
  public var entropyChange: [Double]
  /// The steps k of the pairs (each dump's `step` metadata, else its index).
  public var steps: [Int]

  /// Pairs consecutive summaries; see the type's documentation.
  ///
  /// - Complexity: O(dumps).
  public init(summaries: [DumpSummary]) {
    self.init(
      covariances: summaries.map { $0.covariance?.global }, entropyTokenMeans: summaries.map(\.entropyTokenMean),
      steps: summaries.map(\.step))
  }

  /// Pairs consecutive values: (covariances[k], entropyTokenMeans[k+1] − entropyTokenMeans[k]) for
  /// every k where the three are present and finite; step k is `steps[k]`, else k.
  ///
  /// - Precondition: the three arrays have the same length.
  /// - Complexity: O(dumps).
  public init(covariances: [Double?], entropyTokenMeans: [Double?], steps: [Int?]) {
    precondition(covariances.count == entropyTokenMeans.count && steps.count == covariances.count)
    var c: [Double] = [], d: [Double] = [], s: [Int] = []
    for k in covariances.indices.dropLast() {
      guard let cov = covariances[k], let a = entropyTokenMeans[k], let b = entropyTokenMeans[k + 1],
        cov.isFinite, a.isFinite, b.isFinite
      else { continue }
      c.append(cov)
      d.append(b - a)
      s.append(steps[k] ?? k)
    }
    covariance = c
    entropyChange = d
    self.steps = s
    n = c.count
    correlation = c.count >= 3 ? pearsonCorrelation(c, d) : nil
  }

  enum CodingKeys: String, CodingKey {
    case correlation, n, covariance, steps
    case entropyChange = "entropy_change"
  }

  /// Writes `correlation` as null (not absent) when it is undefined.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(correlation, forKey: .correlation)
    try c.encode(n, forKey: .n)
    try c.encode(covariance, forKey: .covariance)
    try c.encode(entropyChange, forKey: .entropyChange)
    try c.encode(steps, forKey: .steps)
  }
}
