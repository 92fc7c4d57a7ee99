// DeltaH — entropy change of softmax policies.

import PolicyCliff
import SoftmaxEntropy
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

  @Test(arguments: [(0.0, Double("5e-309")!), (0.5, Double("1e-308")!), (0.75, Double("2e-308")!)])
  func theBoundsDoNotUnderflowAtAHugeTemperature(gamma: Double, lipschitz: Double) throws {
    let s = try SoftPolicyStability(values: [1, 0], alpha: 1e308, gamma: gamma)
    #expect(Self.close(s.lipschitzTV, lipschitz), "\(s.lipschitzTV)")
    #expect(Self.close(s.l2Bound, Double("5e-309")!), "\(s.l2Bound)")
    // π_α is uniform to rounding, λ_max(F) = ½: the bound is attained, not violated.
    #expect(s.jacobianNorm <= s.l2Bound && s.jacobianNorm > 0, "\(s.jacobianNorm) > \(s.l2Bound)")
    let report = try CliffReport(values: [1, 0], alpha: 1e308, gamma: gamma)
    #expect(report.lipschitzTV == s.lipschitzTV && report.l2Bound == s.l2Bound)
  }

  /// The curve records the same constant.
  @Test func theCurveRecordsTheSameConstant() throws {
    let curve = try PolicyCliffCurve(values: [1, 0], alpha: 1e308, count: 2)
    #expect(Self.close(curve.lipschitzTV, Double("5e-309")!), "\(curve.lipschitzTV)")
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
    let s = try SoftPolicyStability(values: [Double("1e-310")!, 0], alpha: Double("1e-308")!)
    #expect(Self.close(s.lipschitzTV, 5e307) && Self.close(s.l2Bound, 5e307))
  }

  /// A tiny α where Q/α overflows: softmax(Q/α) was refused ("logit 0 is inf; logits must be
  /// finite"), although π_α is the uniform policy on the ties and every quantity is finite. It
  /// is formed from (Q − max Q)/α now. Exact expectations: π is 0/1 (or ½) exactly, F(π) = 0 for a
  /// one-hot π, and the bounds are ½/α to rounding.
  @Test func aTinyTemperatureWhereQOverAlphaOverflowsIsAnalysed() throws {
    let s = try SoftPolicyStability(values: [1e308, -7e307], alpha: 1e-300)
    #expect(s.softPolicy == [1, 0])
    #expect(s.jacobianNorm == 0 && s.priceOfSmoothing == 0)
    #expect(Self.close(s.l2Bound, 5e299) && Self.close(s.lipschitzTV, 5e299))
    let tie = try SoftPolicyStability(values: [1e300, 1e300, 0], alpha: 1e-300)
    #expect(tie.softPolicy == [0.5, 0.5, 0])
    // λ_max(F) = ½ for the uniform pair, / α = 5e299.
    #expect(Self.close(tie.jacobianNorm, 5e299), "\(tie.jacobianNorm)")
    // A subnormal α (1/α overflows): refused before as an invalid temperature.
    let subnormal = try SoftPolicyStability(values: [1, 0], alpha: Double("5e-324")!)
    #expect(subnormal.softPolicy == [1, 0] && subnormal.jacobianNorm == 0)
    // Ordinary α: the direct construction, unchanged to the bit.
    let ordinary = try SoftPolicyStability(values: [1, 0.5, 0], alpha: 0.3)
    #expect(ordinary.softPolicy == (try SoftmaxPolicy(logits: [1, 0.5, 0], temperature: 0.3)).probabilities)
  }

  /// The jump experiment at such an α: the tie at 1e300 breaks with the greedy policy.
  @Test func theJumpAtATinyTemperature() throws {
    let jump = try PolicyJump(values: [1e300, 1e300], perturbed: [1e300, 1e300 * (1 + 1e-15)], alpha: 1e-300, tolerance: 0)
    #expect(jump.greedyTV == 1 && jump.softTV == 0.5)
  }

  /// The MDP analysis uses the same evaluation order.
  @Test func theMDPConstantDoesNotUnderflow() throws {
    let mdp = try TabularMDP(rewards: [[1, 0]], transitions: [[[1], [1]]], discount: 0.5)
    let s = try MDPStability(mdp: mdp, alpha: 1e308)
    #expect(Self.close(s.lipschitzTV, Double("1e-308")!), "\(s.lipschitzTV)")
  }
}
