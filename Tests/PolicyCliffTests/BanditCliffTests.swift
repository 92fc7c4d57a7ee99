// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import PolicyCliff
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Policy cliff: bandit margins, soft-policy bounds, perturbation experiment")
struct BanditCliffTests {
  @Test func handMadeMargins() throws {
    let tie = try ActionMargin(values: [1, 1, 0])
    #expect(tie.ties == 2 && tie.tiedActions == [0, 1] && tie.margin == 1 && tie.isTie)
    #expect(tie.greedyStabilityRadius() == 0, "the cliff")
    #expect(tie.argmaxSetStabilityRadius() == 0.5)
    let unique = try ActionMargin(values: [3, 1, 2])
    #expect(unique.ties == 1 && unique.greedyAction == 0 && unique.margin == 1)
    #expect(unique.greedyStabilityRadius() == 0.5 && unique.greedyStabilityRadius(gamma: 0.5) == 0.25)
    let all = try ActionMargin(values: [2, 2])
    #expect(all.margin == .infinity && all.ties == 2)
    // Scale-aware default τ = 1e-9·max|r|: a 1e-12 difference is a tie, τ = 0 separates it.
    let near = try ActionMargin(values: [1, 1 - 1e-12, 0])
    #expect(near.ties == 2 && near.tolerance == 1e-9)
    let exact = try ActionMargin(values: [1, 1 - 1e-12, 0], tolerance: 0)
    // 1 − 1e-12 is stored to ulp(1) = 2.2e-16, so the margin is 1e-12 to that precision.
    #expect(exact.ties == 1 && abs(exact.margin - 1e-12) <= 2.3e-16)
    #expect(try ActionMargin(values: [1e6, 1e6 - 1e-4]).ties == 2, "τ = 1e-3 at scale 1e6")
    #expect(throws: PolicyCliffError.self) { try ActionMargin(values: [1, .nan]) }
    #expect(throws: PolicyCliffError.self) { try ActionMargin(values: []) }
  }

  @Test func randomRewardsMatchClosedForms() throws {
    var rng = SplitMix64(seed: 101)
    for trial in 0..<200 {
      let k = 2 + trial % 9
      let r = rng.logits(count: k, scale: 1)
      let alpha = [0.05, 0.3, 1, 4][trial % 4]
      let gamma = [0, 0.5, 0.9][trial % 3]
      let s = try SoftPolicyStability(values: r, alpha: alpha, gamma: gamma, tolerance: 0)
      let sorted = r.sorted()
      #expect(s.margin.ties == 1 && s.margin.margin == sorted[k - 1] - sorted[k - 2])
      #expect(s.stabilityRadius == (1 - gamma) * (sorted[k - 1] - sorted[k - 2]) / 2)
      #expect(s.lipschitzTV == 1 / (2 * alpha * (1 - gamma)))
      let pi = referenceSoftmax(r, temperature: alpha)
      #expect(maxAbsoluteDifference(s.softPolicy, pi) < 1e-15)
      // Price of smoothing: max r − π_αᵀr ≤ α(H(π_α) − H(π*)) ≤ α log K (docs/theory.md#entropy-bonus).
      let price = sorted[k - 1] - zip(pi, r).map { $0 * $1 }.reduce(0, +)
      #expect(abs(s.priceOfSmoothing - price) < 1e-14)
      #expect(s.priceOfSmoothing >= 0)
      #expect(s.priceOfSmoothing <= alpha * referenceEntropy(r, temperature: alpha) + 1e-14)
      #expect(s.priceOfSmoothing <= s.priceOfSmoothingBound + 1e-14)
      // ‖J‖₂ = λ_max(F)/α ≤ 1/(2α); for K = 2, λ_max = 2π₁π₂ in closed form.
      #expect(s.jacobianNorm <= s.l2Bound * (1 + 1e-14))
      if k == 2 { #expect(abs(s.jacobianNorm - 2 * pi[0] * pi[1] / alpha) <= 1e-14 / alpha) }
    }
  }

  @Test func jacobianAgainstFiniteDifferences() throws {
    var rng = SplitMix64(seed: 111)
    for alpha in [0.2, 1.0, 3.0] {
      let r = rng.logits(count: 6, scale: 1)
      let s = try SoftPolicyStability(values: r, alpha: alpha)
      let fd = FiniteDifference.jacobian(at: r) { referenceSoftmax($0, temperature: alpha) }
      // Richardson central differences, h = 1e-3: truncation ~1e-13/α⁵, rounding ~1e-13.
      #expect(maxAbsoluteDifference(s.jacobian.elements, fd.flatMap { $0 }) < 1e-9 / alpha)
      // Spectral norm of the finite-difference Jacobian, independently: √λ_max(JᵀJ).
      let j = Matrix(fd)
      let jtj = j.transposed.multiplied(by: j)
      let norm = try SymmetricEigendecomposition(jtj).eigenvalues.last!.squareRoot()
      #expect(abs(norm - s.jacobianNorm) < 1e-8 / alpha)
    }
  }

  @Test func theorySection10Example() throws {
    // docs/theory.md#entropy-bonus: r = [1, 0.9, 0], α = 0.1 → π_α and the gap 0.026926.
    let s = try SoftPolicyStability(values: [1, 0.9, 0], alpha: 0.1)
    #expect(maxAbsoluteDifference(s.softPolicy, [0.7310343156, 0.2689324955, 3.3188906582e-5]) < 1e-10)
    #expect(abs(s.priceOfSmoothing - 0.026926) < 5e-7)
    #expect(abs(s.priceOfSmoothingBound - 0.109861) < 5e-7)
  }

  @Test func theorySection11CheckableValues() throws {
    // docs/theory.md#policy-jump: tie r = [1, 1, 0], the second action (index 1) raised by ε = 1e-3.
    let r = [1.0, 1, 0]
    let perturbed = [1.0, 1.001, 0]
    let a = try PolicyJump(values: r, perturbed: perturbed, alpha: 0.1)
    #expect(a.uniformArgmaxTV == 0.5)
    #expect(a.greedyTV == 1)
    // Printed to 7 significant digits ⇒ ±5e-10 and ±5e-9.
    #expect(abs(a.softTV - 2.499979e-3) < 5e-10)
    #expect(a.softTV <= a.perturbationSize / (2 * 0.1))
    #expect(abs(a.perturbationSize / (2 * 0.1) - 5e-3) < 1e-15)
    let b = try PolicyJump(values: r, perturbed: perturbed, alpha: 0.01)
    #expect(abs(b.softTV - 2.497919e-2) < 5e-9)
    #expect(b.softTV <= b.perturbationSize / (2 * 0.01))
    // Three tied actions: uniform-over-argmax jumps by 1 − 1/3 (Policy Cliff Prop 2.5).
    let c = try PolicyJump(values: [2, 2, 2, 0], perturbed: [2, 2, 2 + 1e-6, 0], alpha: 0.5)
    #expect(abs(c.uniformArgmaxTV - 2.0 / 3) < 1e-15 && c.greedyTV == 1)
    // Away from a tie nothing jumps below the stability radius.
    let d = try PolicyJump(values: [1, 0.5, 0], perturbed: [1 - 0.2, 0.5 + 0.2, 0], alpha: 0.5)
    #expect(d.greedyTV == 0 && d.uniformArgmaxTV == 0)
    #expect(throws: PolicyCliffError.self) { try PolicyJump(values: r, perturbed: r, alpha: 0) }
    #expect(throws: PolicyCliffError.self) { try PolicyJump(values: r, perturbed: [1, 1], alpha: 1) }
  }

  @Test func measuredRatiosNeverExceedTheBounds() throws {
    // 5000 random (r, Δr) pairs as in docs/theory.md#soft-policy: ℓ∞ → TV ratio ≤ 1/(2α), ℓ2 → ℓ2 ratio ≤ 1/(2α).
    // Both bounds are exact inequalities; the slack 1e-9 relative covers the rounding of TV at
    // the smallest perturbations (|Δπ| ~ 1e-6 computed from π ~ 1 to ~1e-16 absolute).
    var rng = SplitMix64(seed: 121)
    var worstTV = 0.0
    var worstL2 = 0.0
    for trial in 0..<5000 {
      let k = 2 + trial % 8
      let alpha = [0.05, 0.2, 1, 5][trial % 4]
      let r = rng.logits(count: k, scale: 1)
      let size = [1e-3, 1e-2, 0.1, 1][(trial / 4) % 4]
      let dr = rng.logits(count: k, scale: size)
      let jump = try PolicyJump(values: r, perturbed: zip(r, dr).map { $0 + $1 }, alpha: alpha)
      let tvRatio = jump.softTV / jump.perturbationSize * (2 * alpha)
      let p = referenceSoftmax(r, temperature: alpha)
      let q = referenceSoftmax(zip(r, dr).map { $0 + $1 }, temperature: alpha)
      let dp = zip(p, q).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
      let l2Ratio = dp / dr.map { $0 * $0 }.reduce(0, +).squareRoot() * (2 * alpha)
      #expect(tvRatio <= 1 + 1e-9)
      #expect(l2Ratio <= 1 + 1e-9)
      worstTV = max(worstTV, tvRatio)
      worstL2 = max(worstL2, l2Ratio)
    }
    // The bounds are nearly attained (docs/theory.md#soft-policy: 0.948 and 0.98 of them): they are not loose by orders.
    #expect(worstTV > 0.8 && worstL2 > 0.8, "worst ratios \(worstTV), \(worstL2)")
  }

  @Test func invalidInputs() {
    #expect(throws: PolicyCliffError.self) { try SoftPolicyStability(values: [1, 0], alpha: 0) }
    #expect(throws: PolicyCliffError.self) { try SoftPolicyStability(values: [1, 0], alpha: -1) }
    #expect(throws: PolicyCliffError.self) { try SoftPolicyStability(values: [1, 0], alpha: 1, gamma: 1) }
    #expect(throws: PolicyCliffError.self) { try SoftPolicyStability(values: [1, .infinity], alpha: 1) }
  }
}
