// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import RealModule
import SoftmaxEntropy
import Testing

/// Edge cases of `deltah step` found by the theory red team, as library regressions.
@Suite("Step edge cases: η = 0, tiny η, huge logits")
struct TheoryEdgeCaseTests {
  let z = [2.0, 1, 0, -1]
  let r = [1.0, 0, 0, 0]

  /// The trust radius in η is s* of the step at η = 1: η·s* was 0·∞ = NaN at η = 0 (printed with
  /// exit 0) and ∞ at η = 1e-200 (the quadratic term of the step underflowed).
  @Test(arguments: [0.0, 1e-200, 1e-3, 1.0, -1.0])
  func trustRadiusIsTheUnitStepScale(lr: Double) throws {
    let policy = try SoftmaxPolicy(logits: z)
    let unit = try StepReport(policy: policy, step: .policyGradient(.policyGradient, rewards: r, learningRate: 1), trustTolerance: 0.1)
    let report = try StepReport(policy: policy, step: .policyGradient(.policyGradient, rewards: r, learningRate: lr), trustTolerance: 0.1)
    let radius = try #require(report.trustRadiusLR)
    #expect(radius.isFinite && radius > 0)
    // s* of the step at η = 1 (evaluated on d/‖d‖∞, so equal to rounding: 1e-14 relative).
    #expect(abs(radius - unit.trustScale) <= 1e-14 * radius)
    // docs/theory.md#trust-radius: PG η = 1 has s* = 0.9728 at ε = 0.1.
    #expect(abs(radius - 0.9728324280525409) < 1e-12)
    let token = try StepReport(policy: policy, step: .sampledToken(1, advantage: 1, learningRate: lr), trustTolerance: 0.1)
    let tokenUnit = try StepReport(policy: policy, step: .sampledToken(1, advantage: 1, learningRate: 1), trustTolerance: 0.1)
    #expect(abs(token.trustRadiusLR! - tokenUnit.trustScale) <= 1e-14 * tokenUnit.trustScale)
  }

  /// A huge advantage: the unit step's terms would overflow; the radius is still a number (not NaN)
  /// at η = 0, and it scales as 1/|A| (s*(A·d₁) = s*(d₁)/|A|).
  @Test func trustRadiusOfAHugeAdvantage() throws {
    let policy = try SoftmaxPolicy(logits: z)
    let huge = try StepReport(policy: policy, step: .sampledToken(1, advantage: 1e306, learningRate: 0), trustTolerance: 0.1)
    let one = try StepReport(policy: policy, step: .sampledToken(1, advantage: 1, learningRate: 1), trustTolerance: 0.1)
    let r = try #require(huge.trustRadiusLR)
    #expect(abs(r * 1e306 - one.trustScale) <= 1e-14 * one.trustScale, "\(r)")
    let zero = try StepReport(policy: policy, step: .sampledToken(1, advantage: 0, learningRate: 0), trustTolerance: 0.1)
    #expect(zero.trustRadiusLR == .infinity)
  }

  /// For η ≠ 0 the radius is |η|·s* of the step itself (s* scales as 1/|η|); the two are computed
  /// differently (unit step vs the η step), so they agree to rounding: 1e-13 relative.
  @Test func trustRadiusEqualsEtaTimesScale() throws {
    let policy = try SoftmaxPolicy(logits: z)
    let report = try StepReport(policy: policy, step: .sampledToken(1, advantage: -1, learningRate: 0.3), trustTolerance: 0.1)
    #expect(abs(report.trustRadiusLR! - 0.3 * report.trustScale) <= 1e-13 * report.trustRadiusLR!)
  }

  /// Rewards spanning more than Double's range: the advantages overflowed and `step` reported
  /// "logit step[0] is -nan", naming the wrong input. The rewards are named now.
  @Test func overflowingRewardsAreNamed() throws {
    let policy = try SoftmaxPolicy(logits: z)
    #expect(throws: SoftmaxError.self) { try policy.advantages([1e308, 0, 0, -1e308]) }
    do {
      _ = try StepReport(policy: policy, step: .policyGradient(.naturalPolicyGradient, rewards: [1e308, 0, 0, -1e308], learningRate: 1), trustTolerance: 0.1)
      Issue.record("expected an error")
    } catch {
      #expect(error.description.contains("rewards") && !error.description.contains("nan"), "\(error)")
    }
    #expect(try policy.advantages([1e300, 0, 0, -1e300]).allSatisfy(\.isFinite))
  }

  /// A zero change is +0, not −0 (`step --logits 0 --delta 1` printed "delta_first_order" : -0,
  /// and the token rule "sampled_term" : -0).
  @Test func zeroChangesHaveNoNegativeSign() throws {
    let one = try SoftmaxPolicy(logits: [5])
    let c = try entropyChange(of: one, logitStep: [1])
    for v in [c.firstOrder, c.secondOrder, c.actual] { #expect(v == 0 && v.sign == .plus, "\(c)") }
    let uniform = try SoftmaxPolicy(logits: [1, 1, 1])
    let t = try StepReport(policy: uniform, step: .sampledToken(0, advantage: 1, learningRate: 1), trustTolerance: 0.1)
    for v in [t.deltaFirstOrder, t.sampledTerm!, t.polarity!] { #expect(v == 0 && v.sign == .plus, "\(t)") }
    let pg = try PolicyGradientRule.policyGradient.firstOrderEntropyChange(of: one, advantages: [0], learningRate: 1)
    #expect(pg == 0 && pg.sign == .plus)
  }

  /// A step on huge tied logits is not rounded away: [1e300, 1e300] + [1, 0] is the policy
  /// softmax([1, 0]) (1e300 + 1 = 1e300 in Double, which gave ΔH = 0).
  @Test func stepOnHugeLogitsIsNotLost() throws {
    let p = 1 / (1 + Double.exp(-1))
    let expected = (-p * Double.log(p) - (1 - p) * Double.log(1 - p)) - Double.log(2)  // −0.1109440717
    for offset in [0.0, 1e6, 1e300, -1e300] {
      let policy = try SoftmaxPolicy(logits: [offset, offset])
      let c = try entropyChange(of: policy, logitStep: [1, 0])
      #expect(abs(c.actual - expected) < 1e-15, "offset \(offset): \(c.actual)")
    }
    // z − z_top overflows where z/T does not: falls back to z + Δz (ΔH = 0, both deterministic).
    let wide = try SoftmaxPolicy(logits: [1e308, -1e308], temperature: 10)
    #expect(try entropyChange(of: wide, logitStep: [1, 0]).actual == 0)
  }
}

/// `entropyChange(...).actual` (and so `deltah step`'s delta_actual) of a tiny step: it was the
/// difference of two entropies, 1.110e-15 for Δz = [0, 1e-14, 0, 0] on z = [2, 1, 0, −1] where the
/// change is 1.1670096810837708e-15 (mpmath, 60 digits); now 1e-13 relative.
@Suite("Actual ΔH of tiny steps")
struct TinyStepActualTests {
  @Test(arguments: [1e-8, 1e-12, 1e-14, 1e-300])
  func actualAgreesWithTheFirstOrder(size: Double) throws {
    let policy = try SoftmaxPolicy(logits: [2, 1, 0, -1])
    let c = try entropyChange(of: policy, logitStep: [0, size, 0, 0])
    // The second-order term is ~1e-1·size² relative to the first order.
    #expect(abs(c.actual - c.firstOrder) <= (1e-13 + size) * abs(c.firstOrder), "\(c.actual) vs \(c.firstOrder)")
    #expect(c.actual > 0)
  }

  @Test func actualMatchesHighPrecisionAt1em14() throws {
    let c = try entropyChange(of: try SoftmaxPolicy(logits: [2, 1, 0, -1]), logitStep: [0, 1e-14, 0, 0])
    #expect(abs(c.actual - 1.1670096810837708095e-15) <= 1e-13 * 1.17e-15)
  }
}
