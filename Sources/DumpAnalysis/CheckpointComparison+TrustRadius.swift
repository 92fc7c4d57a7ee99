// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import LogitDumps
import SoftmaxEntropy

extension CheckpointComparison {
  /// Where the step between the two checkpoints stays inside the trust radius of the first-order
  /// prediction, position by position.
  ///
  /// Per valid position, from the same per-row quantities as `delta_second_order`
  /// (first = −Cov_π(log π, Δx), second = first + ½ΔxᵀQΔx, Q = ∇²H):
  ///
  ///     s* = ε·|first| / |second − first|     (= 2ε|g·Δx| / |ΔxᵀQΔx|; ∞ when the quadratic
  ///                                            term is 0, 0 when only the first order is 0)
  ///
  /// The recorded step is the scale s = 1: a position is outside its radius when s* < 1 (there
  /// the second-order term exceeds ε of the first-order one).
  public struct TrustRadius: Sendable, Codable, Equatable {
    /// ε.
    public var tolerance: Double
    /// Valid positions.
    public var tokens: Int
    /// Valid positions with s* < 1, and their share of `tokens`.
    public var outsideTokens: Int
    public var outsideTrustRadiusShare: Double
    /// Valid positions whose quadratic term is exactly 0 (s* = ∞).
    public var infiniteScaleTokens: Int
    /// Median of s* over valid positions.
    public var medianTrustScale: Double
    /// Pearson correlation of the first-order prediction with the actual ΔH over the positions
    /// with s* ≥ 1 (nil when fewer than 2 or either side is constant).
    public var pearsonFirstOrderInsideTrustRadius: Double?
    /// RMSE of the first-order prediction over the positions inside and outside their radius
    /// (nil when there are none).
    public var rmseFirstOrderInside: Double?
    public var rmseFirstOrderOutside: Double?

    enum CodingKeys: String, CodingKey {
      case tokens
      case tolerance = "trust_tolerance"
      case outsideTokens = "outside_trust_radius_tokens"
      case outsideTrustRadiusShare = "outside_trust_radius_share"
      case infiniteScaleTokens = "infinite_trust_scale_tokens"
      case medianTrustScale = "median_trust_scale"
      case pearsonFirstOrderInsideTrustRadius = "pearson_first_order_inside_trust_radius"
      case rmseFirstOrderInside = "rmse_first_order_inside_trust_radius"
      case rmseFirstOrderOutside = "rmse_first_order_outside_trust_radius"
    }

    /// Undefined values are written as null, not left out.
    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(tolerance, forKey: .tolerance)
      try c.encode(tokens, forKey: .tokens)
      try c.encode(outsideTokens, forKey: .outsideTokens)
      try c.encode(outsideTrustRadiusShare, forKey: .outsideTrustRadiusShare)
      try c.encode(infiniteScaleTokens, forKey: .infiniteScaleTokens)
      try c.encode(medianTrustScale, forKey: .medianTrustScale)
      try c.encode(pearsonFirstOrderInsideTrustRadius, forKey: .pearsonFirstOrderInsideTrustRadius)
      try c.encode(rmseFirstOrderInside, forKey: .rmseFirstOrderInside)
      try c.encode(rmseFirstOrderOutside, forKey: .rmseFirstOrderOutside)
    }
  }

  /// s* per position (NaN where invalid); see ``TrustRadius``.
  ///
  /// - Precondition: `tolerance` is finite and > 0.
  /// - Complexity: O(N).
  public func trustScales(tolerance: Double) -> [Double] {
    positions.indices.map { i in
      guard valid[i] else { return .nan }
      return trustScale(
        firstOrderTerm: deltaFirstOrder[i], secondOrderTerm: deltaSecondOrder[i] - deltaFirstOrder[i], tolerance: tolerance)
    }
  }

  /// The trust-radius summary over valid positions; see ``TrustRadius``.
  ///
  /// - Precondition: `tolerance` is finite and > 0.
  /// - Complexity: O(N log N) (the median).
  public func trustRadius(tolerance: Double) -> TrustRadius {
    let scales = trustScales(tolerance: tolerance)
    let idx = valid.indices.filter { valid[$0] }
    let inside = idx.filter { scales[$0] >= 1 }, outside = idx.filter { scales[$0] < 1 }
    func rmse(_ set: [Int]) -> Double? {
      guard !set.isEmpty else { return nil }
      return (compensatedSum(set.map { (deltaFirstOrder[$0] - deltaActual[$0]) * (deltaFirstOrder[$0] - deltaActual[$0]) }) / Double(set.count)).squareRoot()
    }
    let sorted = idx.map { scales[$0] }.sorted()
    let median = sorted.isEmpty ? Double.nan : (sorted.count % 2 == 1 ? sorted[sorted.count / 2] : 0.5 * (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]))
    return TrustRadius(
      tolerance: tolerance, tokens: idx.count, outsideTokens: outside.count,
      outsideTrustRadiusShare: idx.isEmpty ? .nan : Double(outside.count) / Double(idx.count),
      infiniteScaleTokens: idx.filter { scales[$0] == .infinity }.count, medianTrustScale: median,
      pearsonFirstOrderInsideTrustRadius: inside.count < 2 ? nil : pearsonCorrelation(inside.map { deltaFirstOrder[$0] }, inside.map { deltaActual[$0] }),
      rmseFirstOrderInside: rmse(inside), rmseFirstOrderOutside: rmse(outside))
  }

  /// ``perTokenWriter()`` plus the F64 tensor `trust_scale` (s* per position, NaN where invalid,
  /// +∞ where the quadratic term is 0) and the metadata `trust_tolerance`.
  ///
  /// - Complexity: O(N).
  public func perTokenWriter(trustTolerance: Double) -> SafetensorsWriter {
    var w = perTokenWriter()
    w.metadata["trust_tolerance"] = "\(trustTolerance)"
    w.add("trust_scale", trustScales(tolerance: trustTolerance), shape: positionShape)
    return w
  }
}
