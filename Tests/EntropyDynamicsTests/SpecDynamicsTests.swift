// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import SoftmaxEntropy
import Testing
import _TestSupport

/// docs/theory.md#checkable-pg-npg, #token-covariance and #quadrants checkable values (numpy float64, printed to 10 digits ⇒ 1e-9).
@Suite("Spec values for entropy dynamics")
struct SpecDynamicsTests {
  let z = [2.0, 1, 0, -1]
  let r = [1.0, 0, 0, 0]

  @Test(arguments: [
    (PolicyGradientRule.policyGradient, 0.1, -0.0102680128, -0.0101655181, -0.0102700121),
    (.policyGradient, 1.0, -0.1100818221, -0.1016551809, -0.1121045839),
    (.naturalPolicyGradient, 0.1, -0.0333023094, -0.0326688139, -0.0333451065),
    (.naturalPolicyGradient, 1.0, -0.3524502778, -0.3266881389, -0.3943174001),
  ])
  func policyGradientSteps(rule: PolicyGradientRule, lr: Double, actual: Double, first: Double, second: Double) throws {
    let p = try SoftmaxPolicy(logits: z)
    let c = try entropyChange(of: p, logitStep: rule.logitStep(for: p, rewards: r, learningRate: lr))
    #expect(abs(c.actual - actual) < 1e-9)
    #expect(abs(c.firstOrder - first) < 1e-9)
    #expect(abs(c.secondOrder - second) < 1e-9)
    // The closed form −η Cov_π(log π, π⊙A) / −η Cov_π(log π, A) equals the generic Lemma-1 value.
    let closed = try rule.firstOrderEntropyChange(of: p, advantages: p.advantages(r), learningRate: lr)
    #expect(abs(closed - c.firstOrder) < 1e-15)
  }

  @Test func rareButGoodArmRaisesEntropy() throws {
    let p = try SoftmaxPolicy(logits: [-2, 2, 0])
    let a = try p.advantages([1, 0, 0])
    #expect(abs(p.covariance(p.logProbabilities, a) - (-0.058772)) < 1e-6)
    #expect(abs(p.covariance(p.logProbabilities, zip(p.probabilities, a).map { $0 * $1 }) - (-0.004103)) < 1e-6)
    let pg = try entropyChange(of: p, logitStep: PolicyGradientRule.policyGradient.logitStep(for: p, advantages: a, learningRate: 0.1))
    #expect(abs(pg.firstOrder - 0.00041027) < 1e-8 && abs(pg.actual - 0.00041046) < 1e-8)
    let npg = try entropyChange(of: p, logitStep: PolicyGradientRule.naturalPolicyGradient.logitStep(for: p, advantages: a, learningRate: 0.1))
    #expect(abs(npg.firstOrder - 0.00587718) < 1e-8 && abs(npg.actual - 0.00608744) < 1e-8)
  }

  @Test(arguments: [
    (0, -0.032669, 0.016882, -0.0157870678, -0.0160315893),
    (1, 0.011670, 0.016882, 0.0285518429, 0.0270855997),
    (2, 0.013008, 0.016882, 0.0298893666, 0.0299199638),
    (3, 0.007991, 0.016882, 0.0248728426, 0.0251597979),
  ])
  func polarityTable(k: Int, sampled: Double, correction: Double, predicted: Double, actual: Double) throws {
    let p = try SoftmaxPolicy(logits: z)
    let pol = try EntropyPolarity(policy: p, token: k, advantage: 1, learningRate: 0.1)
    #expect(abs(pol.sampledTerm - sampled) < 1e-6)  // docs/theory.md prints 6 decimals here
    #expect(abs(pol.correctionTerm - correction) < 1e-6)
    #expect(abs(pol.polarity - predicted) < 1e-9)
    let c = try entropyChange(of: p, logitStep: pol.logitStep(for: p))
    #expect(abs(c.actual - actual) < 1e-9)
    #expect(abs(c.firstOrder - pol.polarity) < 1e-15)
  }

  @Test func bandCase() throws {
    // π = [0.45, 0.35, 0.10, 0.10]: log π_1 > −H, yet reinforcing token 1 expands entropy.
    let probs = [0.45, 0.35, 0.10, 0.10]
    let p = try SoftmaxPolicy(logits: probs.map { Double.log($0) })
    #expect(abs(p.entropy - 1.18728323) < 1e-8)
    let pol = try EntropyPolarity(policy: p, token: 1, advantage: 1, learningRate: 1e-3)
    #expect(pol.isAboveThreshold)
    #expect(abs(pol.discriminator - 0.0481113853) < 1e-9)
    #expect(abs(pol.expectedDiscriminator - 0.07325999) < 1e-8)
    #expect(abs(pol.polarity - 2.515e-5) < 1e-8)
    let c = try entropyChange(of: p, logitStep: pol.logitStep(for: p))
    #expect(abs(c.actual - 2.500e-5) < 1e-8)
    #expect(c.actual > 0)
  }

  @Test func tokenCovarianceToyBatch() throws {
    let logp = [-0.05, -0.1, -2.3, -0.01, -1.2, -0.7, -3.0, -0.2, -0.02, -0.5]
    let adv: [Double] = [1, 1, 1, -1, -1, 1, -1, 1, -1, 1]
    let cov = try TokenCovariance(logProbabilities: logp, advantages: adv)
    let expected = [0.6064, 0.5664, -1.1936, -0.9576, 0.4704, 0.0864, 2.6304, 0.4864, -0.9456, 0.2464]
    #expect(maxAbsoluteDifference(cov.centredProducts, expected) < 1e-12)
    // Batch mean = biased sample covariance Σ ℓA/N − ℓ̄Ā, computed independently.
    let n = Double(logp.count)
    let lm = logp.reduce(0, +) / n, am = adv.reduce(0, +) / n
    let sample = zip(logp, adv).map { $0 * $1 }.reduce(0, +) / n - lm * am
    #expect(abs(cov.mean - sample) < 1e-15)
  }
}
