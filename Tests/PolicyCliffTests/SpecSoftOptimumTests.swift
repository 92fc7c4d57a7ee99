// DeltaH — entropy change of softmax policies.

import PolicyCliff
import SoftmaxEntropy
import Testing

/// docs/theory.md#entropy-bonus, r = [1, 0.9, 0], α = 0.1: the chain of bounds
/// 0 ≤ J* − J(π_α) ≤ α(H(π_α) − H(π*)) ≤ α log K with the reference's values gap 0.026926,
/// αH(π_α) = 0.058256 (π* deterministic, H = 0), α log 3 = 0.109861 (6 decimals ⇒ 5e-7).
@Suite("Soft optimum bounds, spec example")
struct SpecSoftOptimumTests {
  @Test func boundChain() throws {
    let s = try SoftPolicyStability(values: [1, 0.9, 0], alpha: 0.1)
    let alphaH = 0.1 * (try SoftmaxPolicy(logits: [1, 0.9, 0], temperature: 0.1).entropy)
    #expect(abs(alphaH - 0.058256) < 5e-7)
    #expect(0 <= s.priceOfSmoothing && s.priceOfSmoothing <= alphaH && alphaH <= s.priceOfSmoothingBound)
    #expect(abs(s.priceOfSmoothing - 0.026926) < 5e-7 && abs(s.priceOfSmoothingBound - 0.109861) < 5e-7)
  }
}
