// DeltaH — entropy change of softmax policies.

import RealModule

/// The entropy–performance law of Cui et al. (2025, Eq. 6; docs/theory.md#entropy-performance-law) fitted by linear least
/// squares on the features (−e^H, 1):
///
///     R = −a · e^H + b,     dR/dH = −a e^H,     predicted ceiling (H = 0):  R = b − a
///
///     x = −e^H:   a = Σ(x − x̄)(R − R̄) / Σ(x − x̄)²,   b = R̄ − a x̄
public struct EntropyPerformanceFit: Sendable, Equatable {
  /// a, the conversion rate of entropy into performance.
  public let a: Double
  /// b.
  public let b: Double
  /// Root-mean-square residual of the fit.
  public let rootMeanSquareError: Double
  /// The number of points.
  public let count: Int

  /// b − a, the reward predicted at zero entropy (R = −a e^H + b at H = 0).
  ///
  /// - Complexity: O(1).
  @inlinable public var ceiling: Double { b - a }

  /// The fitted reward at entropy H.
  ///
  /// - Complexity: O(1).
  public func predictedReward(atEntropy h: Double) -> Double { -a * Double.exp(h) + b }

  /// Fits the law.
  ///
  /// - Throws: `TabularPolicyError` for mismatched or short input, non-finite values, or entropies
  ///   that do not vary (the fit is then undetermined).
  /// - Complexity: O(n).
  public init(entropies: [Double], rewards: [Double]) throws(TabularPolicyError) {
    try require(entropies.count == rewards.count, "rewards", "has \(rewards.count) values for \(entropies.count) entropies")
    try require(entropies.count >= 2, "entropies", "need at least 2 points, got \(entropies.count)")
    try requireFinite(entropies, "entropies")
    try requireFinite(rewards, "rewards")
    let x = entropies.map { -Double.exp($0) }
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, mr = rewards.reduce(0, +) / n
    var sxx = 0.0, sxr = 0.0
    for i in x.indices {
      sxx += (x[i] - mx) * (x[i] - mx)
      sxr += (x[i] - mx) * (rewards[i] - mr)
    }
    try require(sxx > 0, "entropies", "do not vary; the law cannot be fitted")
    let a = sxr / sxx
    let b = mr - a * mx
    var sse = 0.0
    for i in x.indices {
      let e = rewards[i] - (a * x[i] + b)
      sse += e * e
    }
    self.a = a
    self.b = b
    self.rootMeanSquareError = (sse / n).squareRoot()
    self.count = x.count
  }
}
