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
    // A subnormal α (1/α overflows): π_α is formed (PolicyJump), but the bounds ½/α are beyond
    // Double's range, so the analysis is refused (aBoundBeyondDoublesRangeIsRefused).
    #expect(try PolicyJump(values: [1, 0], perturbed: [0, 1], alpha: Double("5e-324")!).softTV == 1)
    // Ordinary α: the direct construction, unchanged to the bit.
    let ordinary = try SoftPolicyStability(values: [1, 0.5, 0], alpha: 0.3)
    #expect(ordinary.softPolicy == (try SoftmaxPolicy(logits: [1, 0.5, 0], temperature: 0.3)).probabilities)
  }

  /// A subnormal α, or a tiny α with γ near 1, puts 1/(2α(1 − γ)) (and, at a tie, the Jacobian
  /// norm ½/α) beyond Double's range: `cliff --rewards 1,1 --alpha 1e-310` printed the TV
  /// Lipschitz bound, the Jacobian norm and the ℓ2 bound as inf (JSON "inf") with exit 0. Refused
  /// now, naming α and γ. The largest α refused at γ = 0 is below 2.8e-309 (½/α > 1.8e308); at
  /// α = 1e-295 only a γ with 1 − γ < 2.8e-14 overflows.
  @Test func aBoundBeyondDoublesRangeIsRefused() {
    for (values, alpha, gamma) in [([1.0, 1], Double("1e-310")!, 0.0), ([1.0, 0], Double("5e-324")!, 0), ([1.0, 1, 1], 1e-295, 0.9999999999999999)] {
      #expect(throws: PolicyCliffError.self) { try SoftPolicyStability(values: values, alpha: alpha, gamma: gamma) }
      do {
        _ = try SoftPolicyStability(values: values, alpha: alpha, gamma: gamma)
      } catch {
        #expect(error.description.hasPrefix("alpha = \(alpha) is too small for gamma = \(gamma):"), "\(error)")
      }
      #expect(throws: PolicyCliffError.self) { try PolicyCliffCurve(values: values, alpha: alpha, gamma: gamma) }
    }
    // Just above the limit every bound is finite.
    let s = try? SoftPolicyStability(values: [1, 1], alpha: Double("3e-309")!)
    #expect(s.map { $0.lipschitzTV.isFinite && $0.jacobianNorm.isFinite } == true)
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
