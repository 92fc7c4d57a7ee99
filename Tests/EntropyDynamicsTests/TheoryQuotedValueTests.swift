// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

/// Values docs/theory.md quotes that no other test asserted: the rest of the trust-radius worked
/// example (#trust-radius) and e^(−H) of the band example (#quadrants).
@Suite("docs/theory.md: quoted values without a test before")
struct TheoryQuotedValueTests {
  let z = [2.0, 1, 0, -1]
  let r = [1.0, 0, 0, 0]

  /// docs/theory.md#trust-radius, z = [2, 1, 0, −1], r = [1, 0, 0, 0], ε = 0.1:
  ///
  ///     rule  η    s*      relative error of the first order |1st − actual|/|actual|
  ///     PG    1    0.9728  7.7 %
  ///     PG    0.1  9.728   1.0 %
  ///     NPG   1    0.4831  7.3 %
  ///
  /// and ΔxᵀHΔx = −0.0208988060 for PG η = 1 (twice the second-order term). Tolerance: half a unit
  /// in the last quoted digit (the doc rounds; the quantities are closed forms exact to ~1e-15).
  @Test(arguments: [
    (PolicyGradientRule.policyGradient, 1.0, 0.9728, 0.077),
    (PolicyGradientRule.policyGradient, 0.1, 9.728, 0.010),
    (PolicyGradientRule.naturalPolicyGradient, 1.0, 0.4831, 0.073),
  ])
  func trustRadiusWorkedExample(rule: PolicyGradientRule, eta: Double, scale: Double, error: Double) throws {
    let p = try SoftmaxPolicy(logits: z)
    let step = try rule.logitStep(for: p, rewards: r, learningRate: eta)
    let s = try trustScale(of: p, logitStep: step, tolerance: 0.1)
    let half = scale < 1 ? 0.5e-4 : 0.5e-3
    #expect(abs(s - scale) <= half, "s* = \(s)")
    let change = try entropyChange(of: p, logitStep: step)
    let relative = abs(change.firstOrder - change.actual) / abs(change.actual)
    #expect(abs(relative - error) <= 0.5e-3, "relative error \(relative)")
  }

  @Test func quadraticFormOfThePGStep() throws {
    let p = try SoftmaxPolicy(logits: z)
    let step = try PolicyGradientRule.policyGradient.logitStep(for: p, rewards: r, learningRate: 1)
    let change = try entropyChange(of: p, logitStep: step)
    // ½ΔxᵀHΔx is the second-order term; the doc quotes ΔxᵀHΔx to 10 decimals (1e-10 tolerance:
    // its last digit; the closed form is exact to rounding).
    #expect(abs(2 * change.secondOrderTerm - -0.0208988060) < 1e-10)
    #expect(abs(p.entropySecondOrderTerm(step) - change.secondOrderTerm) < 1e-15)
  }

  /// docs/theory.md#quadrants, band example π = [0.45, 0.35, 0.10, 0.10]: e^(−H) = 0.30504889 < π₁ = 0.35
  /// (8 decimals quoted: tolerance 5e-9).
  @Test func bandExampleThreshold() throws {
    let p = try SoftmaxPolicy(logits: [0.45, 0.35, 0.10, 0.10].map { Double.log($0) })
    let threshold = Double.exp(-p.entropy)
    #expect(abs(threshold - 0.30504889) < 5e-9, "e^-H = \(threshold)")
    #expect(threshold < p.probabilities[1])
  }

  /// docs/theory.md#sign-condition: one sampled-token reinforcement (A > 0, step α, temperature T)
  /// expands the entropy by at most α(e^(−H−1) + E_π[S])/T to first order, since f(p) = p(log p + H)
  /// has its minimum −e^(−H−1) at p = e^(−H−1). Checked on 500 random states at T ∈ {0.5, 1, 2}
  /// for every token (tolerance 1e-15 relative to the bound: rounding of the closed forms).
  @Test func largestExpansionOfOneReinforcement() throws {
    var rng = SplitMix64(seed: 83)
    for trial in 0..<500 {
      let t = [0.5, 1, 2][trial % 3]
      let policy = try SoftmaxPolicy(logits: rng.logits(count: 2 + trial % 30, scale: 3), temperature: t)
      let alpha = 0.1
      let bound = alpha * (Double.exp(-policy.entropy - 1) + policy.expectedEntropyDiscriminator) / t
      for k in 0..<policy.actionCount {
        let p = try EntropyPolarity(policy: policy, token: k, advantage: 1, learningRate: alpha)
        #expect(p.polarity <= bound * (1 + 1e-15) + 1e-300)
      }
    }
  }

  /// docs/theory.md#numerics: H of z = [745, 0] is ~3.7e-321 (a subnormal probability: accurate only
  /// in absolute terms). The exact value is ≈ 746·e^(−745) = 3.73e-321; Double's e^(−745) is the
  /// smallest subnormal 4.9e-324, so the computed H is within a few ulps of 4.9e-324 of it.
  @Test func entropyWithASubnormalProbability() throws {
    let h = try SoftmaxPolicy(logits: [745, 0]).entropy
    #expect(h > 0)
    #expect(abs(h - Double("3.7e-321")!) < Double("0.1e-321")!, "H = \(h)")
  }
}
