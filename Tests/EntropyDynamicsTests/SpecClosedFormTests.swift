// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

/// Closed forms of the theory reference that had no direct test: the entropy bonus (vanilla and
/// natural), temperature REINFORCE (AEPO-style), the single-logit threshold e^(−H) and the
/// Entrocraft baseline. Each is checked against DeltaH's generic Lemma-1 value
/// −Cov_π(log π, Δz) for the corresponding step; these are exact identities, so the tolerance is a
/// few ulps of the O(1) terms: 1e-15.
@Suite("Spec closed forms through Lemma 1")
struct SpecClosedFormTests {
  let z = [2.0, 1, 0, -1]

  @Test func thresholdAndQuadrants() throws {
    let p = try SoftmaxPolicy(logits: z)
    // docs/theory.md#quadrants: e^(−H) = 0.3876947546 (10 digits ⇒ 1e-10); only token 0 lies above.
    #expect(abs(Double.exp(-p.entropy) - 0.3876947546) < 1e-10)
    let above = try (0..<4).map { try EntropyPolarity(policy: p, token: $0, advantage: 1, learningRate: 0.1).isAboveThreshold }
    #expect(above == [true, false, false, false])
  }

  /// Gradient ascent on αH: Δz = ηα∇H gives ΔH₁ = ηα‖∇H‖² ≥ 0; the natural direction
  /// x = −(log π + H) solves Fx = ∇H and gives ΔH₁ = ηα Var_π(log π).
  @Test func entropyBonusClosedForms() throws {
    let p = try SoftmaxPolicy(logits: z)
    let eta = 0.1, alpha = 0.05
    let g = p.entropyGradient
    let vanilla = try firstOrderEntropyChange(of: p, logitStep: g.map { eta * alpha * $0 })
    #expect(abs(vanilla - eta * alpha * g.map { $0 * $0 }.reduce(0, +)) < 1e-15 && vanilla > 0)
    let x = p.centredLogProbabilities.map { -$0 }
    #expect(maxAbsoluteDifference(p.fisherVectorProduct(x), g) < 1e-15)
    let natural = try firstOrderEntropyChange(of: p, logitStep: x.map { eta * alpha * $0 })
    #expect(abs(natural - eta * alpha * p.variance(p.logProbabilities)) < 1e-15)
  }

  /// Unit-reward REINFORCE on q = softmax(z/T): vanilla E[Δz] = ηα(q − π) gives
  /// ΔH₁ = ηα(E_π S − E_q S); natural E[Δz] = ηα q/π gives ηα(E_q[−log π] − H) ≥ 0 for T > 1 and
  /// ≤ 0 for T < 1.
  @Test(arguments: [0.8, 1.2])
  func temperatureReinforcementClosedForms(t: Double) throws {
    let p = try SoftmaxPolicy(logits: z)
    let q = try SoftmaxPolicy(logits: z, temperature: t).probabilities
    let eta = 0.1, alpha = 0.5
    let s = p.entropyDiscriminator
    let vanilla = try firstOrderEntropyChange(of: p, logitStep: zip(q, p.probabilities).map { eta * alpha * ($0 - $1) })
    let eqS = zip(q, s).map { $0 * $1 }.reduce(0, +)
    #expect(abs(vanilla - eta * alpha * (p.expectedEntropyDiscriminator - eqS)) < 1e-15)
    let natural = try firstOrderEntropyChange(of: p, logitStep: zip(q, p.probabilities).map { eta * alpha * $0 / $1 })
    let crossEntropy = -zip(q, p.logProbabilities).map { $0 * $1 }.reduce(0, +)
    #expect(abs(natural - eta * alpha * (crossEntropy - p.entropy)) < 1e-15)
    #expect(t > 1 ? natural > 0 : natural < 0)
  }

  /// Entrocraft's output-space baseline for a softmax single-logit step,
  /// B_k = −Σ_{i≠k} (δp_i/δp_k) log p_i with δp_i/δp_k = −p_i/(1 − p_k), equals
  /// (−H − p_k log p_k)/(1 − p_k), and log p_k ≥ B_k ⇔ log p_k ≥ −H ⇔ S_k ≥ 0.
  @Test func entrocraftBaselineIsTheEntropyThreshold() throws {
    let p = try SoftmaxPolicy(logits: z)
    for k in 0..<4 {
      let pk = p.probabilities[k]
      let b = (0..<4).filter { $0 != k }.map { p.probabilities[$0] / (1 - pk) * p.logProbabilities[$0] }.reduce(0, +)
      #expect(abs(b - (-p.entropy - pk * p.logProbabilities[k]) / (1 - pk)) < 1e-15)
      #expect((p.logProbabilities[k] >= b) == (p.logProbabilities[k] >= -p.entropy))
      #expect((p.logProbabilities[k] >= b) == (p.entropyDiscriminator[k] >= 0))
    }
  }
}
