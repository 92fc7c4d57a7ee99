// DeltaH — entropy change of softmax policies.

import Curvature
import RealModule
import SoftmaxEntropy
import Testing

/// docs/theory.md#natural-gradient on the spec's example: the minimum-norm natural gradient
/// F⁺∇J = r − mean(r)·1 differs from A = r − πᵀr by a constant, so the step z + ηF⁺∇J gives the
/// same policy as the NPG logit step z + ηA (the theory reference measured 1e-15).
@Suite("Natural gradient step equals the NPG step")
struct SpecNaturalGradientTests {
  @Test(arguments: [0.1, 1.0])
  func samePolicy(eta: Double) throws {
    let z = [2.0, 1, 0, -1], r = [1.0, 0, 0, 0]
    let p = try SoftmaxPolicy(logits: z)
    let natural = try NaturalGradient.minimumNorm(policy: p, rewards: r)
    let a = try p.advantages(r)
    let viaFisher = try p.updated(byLogitStep: natural.map { eta * $0 }).probabilities
    let viaAdvantage = try p.updated(byLogitStep: a.map { eta * $0 }).probabilities
    // Probabilities ≤ 1 from logits differing by a constant: a few ulps, 1e-15.
    for (x, y) in zip(viaFisher, viaAdvantage) { #expect(abs(x - y) < 1e-15) }
    // F⁺∇J = [0.75, −0.25, −0.25, −0.25] exactly (mean of r is 1/4).
    #expect(natural == [0.75, -0.25, -0.25, -0.25])
  }
}
