// DeltaH — entropy change of softmax policies.

import Curvature
import RealModule
import SoftmaxEntropy
import Testing

/// `StepCurvature.exactKL` when the step lifts an action whose probability underflowed to 0:
/// π = softmax([0, −800]) → π′ = softmax([0, 0]) has KL(π ‖ π′) = log E_π[e^Δ] − E_π Δ
/// = log(1 + e^(−800)·e^(800)) − 0 = log 2, but 0·φ(800) = 0·∞ made it NaN.
@Suite("Exact KL across an underflowed probability")
struct ExactKLUnderflowTests {
  @Test func liftingAnUnderflowedActionIsFinite() throws {
    let before = try SoftmaxPolicy(logits: [0, -800])
    let after = try SoftmaxPolicy(logits: [0, 0])
    let c = try StepCurvature(from: before, to: after)
    // Exact to a few ulps of log 2.
    #expect(abs(c.exactKL - Double.log(2)) < 1e-15, "\(c.exactKL)")
    // A large ordinary step agrees with the definition Σ π (log π − log π′) (both O(1): 1e-14).
    let a = try SoftmaxPolicy(logits: [1, 0, -2]), b = try SoftmaxPolicy(logits: [-1, 3, 0.5])
    let direct = zip(a.logProbabilities, b.logProbabilities).map { Double.exp($0) * ($0 - $1) }.reduce(0, +)
    #expect(abs(try StepCurvature(from: a, to: b).exactKL - direct) < 1e-14)
  }
}
