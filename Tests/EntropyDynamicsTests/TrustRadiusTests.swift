// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Trust radius of the first-order prediction")
struct TrustRadiusTests {
  /// s* against a brute-force float64 computation that shares no code with the library: g·Δx by
  /// a Richardson central difference of the reference entropy and ΔxᵀQΔx by the symmetric second
  /// difference [H(z+hΔ) + H(z−hΔ) − 2H(z)]/h² (Richardson-extrapolated). Tolerance 1e-5 relative:
  /// the second difference loses about half the digits of H (error ~ ulp/h² ≈ 1e-10 at h ≈ 1e-3
  /// against quadratic forms ≳ 1e-5 in these cases).
  @Test func matchesBruteForceFiniteDifferences() throws {
    var rng = SplitMix64(seed: 303)
    var checked = 0
    for trial in 0..<200 {
      let k = 2 + trial % 40
      let scale = [0.5, 1, 2, 4][trial % 4]
      let t = [1.0, 0.8, 1.5][trial % 3]
      let z = rng.logits(count: k, scale: scale)
      let d = rng.logits(count: k, scale: 1)
      let p = try SoftmaxPolicy(logits: z, temperature: t)
      let s = try trustScale(of: p, logitStep: d, tolerance: 0.1)
      func h(_ x: Double) -> Double { referenceEntropy(zip(z, d).map { $0 + x * $1 }, temperature: t) }
      let g = FiniteDifference.derivative(step: 1e-3, h)
      func second(_ step: Double) -> Double { (h(step) + h(-step) - 2 * h(0)) / (step * step) }
      let q = (4 * second(5e-3) - second(1e-2)) / 3  // Richardson: error O(h⁴)
      guard abs(q) > 1e-5 else { continue }  // the brute force cannot resolve tinier curvature
      let expected = 2 * 0.1 * abs(g) / abs(q)
      #expect(abs(s - expected) <= 1e-5 * expected, "K=\(k) T=\(t): \(s) vs brute force \(expected)")
      checked += 1
    }
    #expect(checked > 150)
  }

  /// The prediction the radius makes: along sΔx the relative error of the first-order prediction
  /// |actual − first|/|first| is ε·s/s* to second order, so at most about ε inside the radius
  /// (s ≤ s*) and growing linearly beyond it. Over 1,000 random states (K = 2…60, logit scales
  /// 0.5…4, step sizes 0.1…3) and ε ∈ {0.1, 0.01}:
  /// * the median relative error is within 10 % of ε·s/s* at s/s* = 0.25, 0.5, 1, 2, 4;
  /// * at s = s*, at least 85 % of the cases (ε = 0.1; 95 % for ε = 0.01) have error ≤ 1.5ε —
  ///   the rest are cases where the quadratic term is small, s* is large and the third-order
  ///   remainder, which the criterion does not see, dominates;
  /// * at s = 4s*, at most 10 % of the cases are still within 1.5ε.
  @Test(arguments: [0.1, 0.01])
  func relativeErrorIsAboutEpsilonInsideAndGrowsBeyond(epsilon: Double) throws {
    var rng = SplitMix64(seed: epsilon == 0.1 ? 404 : 405)
    let factors = [0.25, 0.5, 1, 2, 4]
    var errors = [[Double]](repeating: [], count: factors.count)
    for trial in 0..<1000 {
      let k = 2 + trial % 59
      let z = rng.logits(count: k, scale: [0.5, 1, 2, 4][trial % 4])
      let d = rng.logits(count: k, scale: [0.1, 1, 3][trial % 3])
      let p = try SoftmaxPolicy(logits: z)
      let s = try trustScale(of: p, logitStep: d, tolerance: epsilon)
      guard s.isFinite, s > 0 else { continue }
      for (j, f) in factors.enumerated() {
        let step = d.map { $0 * s * f }
        let first = try firstOrderEntropyChange(of: p, logitStep: step)
        let actual = referenceEntropy(zip(z, step).map { $0 + $1 }) - referenceEntropy(z)
        errors[j].append(abs(actual - first) / abs(first))
      }
    }
    #expect(errors[0].count > 950)
    for (j, f) in factors.enumerated() {
      let sorted = errors[j].sorted()
      let median = sorted[sorted.count / 2]
      #expect(abs(median / (epsilon * f) - 1) < 0.1, "s/s* = \(f): median relative error \(median) vs ε·s/s* = \(epsilon * f)")
    }
    func shareWithin(_ j: Int) -> Double { Double(errors[j].filter { $0 <= 1.5 * epsilon }.count) / Double(errors[j].count) }
    #expect(shareWithin(2) >= (epsilon == 0.1 ? 0.85 : 0.95), "at s = s*: \(shareWithin(2))")
    #expect(shareWithin(0) >= shareWithin(2))
    #expect(shareWithin(4) <= 0.1, "at s = 4s*: \(shareWithin(4))")
  }

  /// The worked example z = [2, 1, 0, −1], r = [1, 0, 0, 0], PG at η = 1 (theory spec §4.6:
  /// first −0.1016551809, second −0.1121045839): s* = 0.1·0.1016551809/0.0104494030 = 0.97283,
  /// and scaling the step by s* puts the second-order term at exactly ε of the first.
  @Test func workedExampleAndExactScaling() throws {
    let p = try SoftmaxPolicy(logits: [2, 1, 0, -1])
    let step = try PolicyGradientRule.policyGradient.logitStep(for: p, rewards: [1, 0, 0, 0], learningRate: 1)
    let s = try trustScale(of: p, logitStep: step, tolerance: 0.1)
    #expect(abs(s - 0.1 * 0.1016551809 / (0.1121045839 - 0.1016551809)) < 1e-8)
    let scaled = try entropyChange(of: p, logitStep: step.map { $0 * s })
    #expect(abs(abs(scaled.secondOrderTerm / scaled.firstOrder) - 0.1) < 1e-12)
    #expect(abs(scaled.trustScale(tolerance: 0.1) - 1) < 1e-12)
  }

  @Test func edgeCases() throws {
    // No curvature along a zero step: s* = ∞.
    let p = try SoftmaxPolicy(logits: [2, 1, 0])
    #expect(try trustScale(of: p, logitStep: [0, 0, 0], tolerance: 0.1) == .infinity)
    // A constant shift does not move π: both terms are 0, s* = ∞.
    #expect(try trustScale(of: p, logitStep: [1, 1, 1], tolerance: 0.1) == .infinity)
    // Uniform policy: g = 0, so the first order is 0 while ½ΔxᵀQΔx = −½Var_π(Δx) ≠ 0: s* = 0.
    let u = try SoftmaxPolicy(logits: [0, 0, 0, 0])
    #expect(try trustScale(of: u, logitStep: [1, -1, 0.5, 0], tolerance: 0.1) == 0)
    #expect(trustScale(firstOrderTerm: .nan, secondOrderTerm: 1, tolerance: 0.1).isNaN)
    // Linear in ε.
    let d = [0.3, -0.2, 0.1]
    #expect(abs(try trustScale(of: p, logitStep: d, tolerance: 0.2) - 2 * trustScale(of: p, logitStep: d, tolerance: 0.1)) < 1e-15)
    #expect(throws: SoftmaxError.self) { try trustScale(of: p, logitStep: [1, 2], tolerance: 0.1) }
  }
}
