// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy
import _NumericsSupport

/// Near-tie statistics over many positions (decoding steps of a logit dump): the distribution of
/// the top-1/top-2 logit gap g = x₍₁₎ − x₍₂₎ (x = z/T, so π₂/π₁ = e^(−g)), the share of positions
/// with g < threshold, and their entropy against the others'. Positions near a tie are where
/// the greedy policy sits on a cliff (docs/theory.md#near-ties).
public struct NearTieStatistics: Sendable, Equatable {
  /// The gap threshold below which a position counts as a near tie.
  public let threshold: Double
  /// Number of positions.
  public let positions: Int
  /// Number of positions with gap < threshold.
  public let nearTies: Int
  /// Mean entropy (nats) of the near-tie positions (NaN when there are none).
  public let meanEntropyNearTie: Double
  /// Mean entropy of the other positions (NaN when there are none).
  public let meanEntropyOther: Double
  /// Gap quantiles at the requested levels, by linear interpolation between order statistics
  /// (numpy's default "linear" rule).
  public let gapQuantiles: [Double]
  /// The requested quantile levels in [0, 1].
  public let quantileLevels: [Double]
  /// Histogram of the gaps: counts[i] counts gaps in [edges[i], edges[i+1]); the last bin also
  /// collects every gap ≥ the last edge.
  public let histogramCounts: [Int]
  /// The histogram's bin edges (ascending; the first should be 0).
  public let histogramEdges: [Double]

  /// Statistics of per-position gaps and entropies (arrays of the same length).
  ///
  /// - Throws: `PolicyCliffError.invalidArgument` for empty or mismatched arrays, negative or
  ///   non-finite gaps/entropies, a non-positive threshold, levels outside [0, 1] or unsorted edges.
  /// - Complexity: O(n log n).
  public init(
    gaps: [Double], entropies: [Double], threshold: Double = 0.1,
    quantileLevels: [Double] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95],
    histogramEdges: [Double] = [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]
  ) throws(PolicyCliffError) {
    guard !gaps.isEmpty, gaps.count == entropies.count else {
      throw .invalidArgument("need equally many gaps and entropies (got \(gaps.count) and \(entropies.count)), at least one")
    }
    try requireFinite(gaps, "gaps")
    try requireFinite(entropies, "entropies")
    guard gaps.allSatisfy({ $0 >= 0 }), entropies.allSatisfy({ $0 >= 0 }) else {
      throw .invalidArgument("gaps and entropies must be ≥ 0")
    }
    guard threshold.isFinite, threshold > 0 else { throw .invalidArgument("threshold \(threshold) must be finite and > 0") }
    guard quantileLevels.allSatisfy({ (0...1).contains($0) }) else { throw .invalidArgument("quantile levels must lie in [0, 1]") }
    guard !histogramEdges.isEmpty, zip(histogramEdges, histogramEdges.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw .invalidArgument("histogram edges must be strictly ascending")
    }
    self.threshold = threshold
    positions = gaps.count
    let near = gaps.indices.filter { gaps[$0] < threshold }
    let other = gaps.indices.filter { gaps[$0] >= threshold }
    nearTies = near.count
    meanEntropyNearTie = near.isEmpty ? .nan : compensatedSum(near.map { entropies[$0] }) / Double(near.count)
    meanEntropyOther = other.isEmpty ? .nan : compensatedSum(other.map { entropies[$0] }) / Double(other.count)
    let sorted = gaps.sorted()
    self.quantileLevels = quantileLevels
    gapQuantiles = quantileLevels.map { linearQuantile(sorted: sorted, $0) }
    self.histogramEdges = histogramEdges
    var counts = [Int](repeating: 0, count: histogramEdges.count)
    for g in gaps {
      if let bin = histogramEdges.lastIndex(where: { $0 <= g }) { counts[bin] += 1 }
    }
    histogramCounts = counts
  }

  /// Statistics straight from per-position policies (gap on the policy's own logits z/T).
  ///
  /// - Throws: as ``init(gaps:entropies:threshold:quantileLevels:histogramEdges:)``.
  /// - Complexity: O(Σ K + n log n).
  public init(policies: [SoftmaxPolicy], threshold: Double = 0.1) throws(PolicyCliffError) {
    try self.init(
      gaps: policies.map { p in Self.topTwoGap(p.logits.map { $0 / p.temperature }) },
      entropies: policies.map(\.entropy), threshold: threshold)
  }

  /// The share of near-tie positions, nearTies / positions.
  ///
  /// - Complexity: O(1).
  public var nearTieShare: Double { Double(nearTies) / Double(positions) }

  /// The gap between the largest and the second-largest entry of a logit row (0 for a repeated
  /// maximum, ∞ for a single action).
  ///
  /// - Complexity: O(K), one pass.
  public static func topTwoGap(_ logits: [Double]) -> Double {
    var first = -Double.infinity
    var second = -Double.infinity
    for x in logits {
      if x > first {
        second = first
        first = x
      } else if x > second {
        second = x
      }
    }
    return logits.count < 2 ? .infinity : first - second
  }
}
