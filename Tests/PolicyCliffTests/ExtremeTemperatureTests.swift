// DeltaH — entropy change of softmax policies.

import PolicyCliff
import Testing

/// The soft-policy bounds at a temperature near Double's largest: 1/(2α(1 − γ)) and 1/(2α) were
/// evaluated with 2α first, which overflows to ∞ for α > 9e307, so `cliff --alpha 1e308` printed a
/// Lipschitz bound and an ℓ2 bound of 0 (true value ≈ 5e-309) — below the Jacobian norm they bound.
///
/// Tolerance: 1e-14 relative. The expected values are representable (subnormal near 5e-309, where
/// the spacing 4.9e-324 is 1e-15 relative), and the evaluation rounds twice at most.
@Suite("Policy cliff: bounds at extreme temperatures")
struct ExtremeTemperatureTests {
  static func close(_ x: Double, _ expected: Double) -> Bool {
    abs(x - expected) <= 1e-14 * abs(expected)
  }

  @Test(arguments: [(0.0, 5e-309), (0.5, 1e-308), (0.75, 2e-308)])
  func theBoundsDoNotUnderflowAtAHugeTemperature(gamma: Double, lipschitz: Double) throws {
    let s = try SoftPolicyStability(values: [1, 0], alpha: 1e308, gamma: gamma)
    #expect(Self.close(s.lipschitzTV, lipschitz), "\(s.lipschitzTV)")
    #expect(Self.close(s.l2Bound, 5e-309), "\(s.l2Bound)")
    // π_α is uniform to rounding, λ_max(F) = ½: the bound is attained, not violated.
    #expect(s.jacobianNorm <= s.l2Bound && s.jacobianNorm > 0, "\(s.jacobianNorm) > \(s.l2Bound)")
    let report = try CliffReport(values: [1, 0], alpha: 1e308, gamma: gamma)
    #expect(report.lipschitzTV == s.lipschitzTV && report.l2Bound == s.l2Bound)
  }

  /// The curve records the same constant.
  @Test func theCurveRecordsTheSameConstant() throws {
    let curve = try PolicyCliffCurve(values: [1, 0], alpha: 1e308, count: 2)
    #expect(Self.close(curve.lipschitzTV, 5e-309), "\(curve.lipschitzTV)")
  }

  /// At ordinary temperatures the reordered formula agrees with 1/(2α(1 − γ)) to rounding
  /// (1e-15 relative: two roundings each way).
  @Test(arguments: [(0.1, 0.0), (1.0, 0.9), (3e-7, 0.99), (2.5, 0.3)])
  func ordinaryTemperaturesAreUnchanged(alpha: Double, gamma: Double) throws {
    let s = try SoftPolicyStability(values: [1, 0.5, 0], alpha: alpha, gamma: gamma)
    let direct = 1 / (2 * alpha * (1 - gamma))
    #expect(abs(s.lipschitzTV - direct) <= 1e-15 * direct)
    #expect(abs(s.l2Bound - 1 / (2 * alpha)) <= 1e-15 / (2 * alpha))
  }

  /// A tiny temperature: the constants are large but finite, as they should be (5e307).
  @Test func aTinyTemperatureGivesLargeFiniteBounds() throws {
    let s = try SoftPolicyStability(values: [1e-310, 0], alpha: 1e-308)
    #expect(Self.close(s.lipschitzTV, 5e307) && Self.close(s.l2Bound, 5e307))
  }

  /// The MDP analysis uses the same evaluation order.
  @Test func theMDPConstantDoesNotUnderflow() throws {
    let mdp = try TabularMDP(rewards: [[1, 0]], transitions: [[[1], [1]]], discount: 0.5)
    let s = try MDPStability(mdp: mdp, alpha: 1e308)
    #expect(Self.close(s.lipschitzTV, 1e-308), "\(s.lipschitzTV)")
  }
}
