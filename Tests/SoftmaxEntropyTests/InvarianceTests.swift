// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Invariances and edge cases")
struct InvarianceTests {
  @Test func shiftInvariance() throws {
    var rng = SplitMix64(seed: 3)
    for k in [2, 7, 50] {
      for scale in [0.5, 5, 20] {
        let z = rng.logits(count: k, scale: scale)
        let p = try SoftmaxPolicy(logits: z)
        let ones = [Double](repeating: 1, count: k)
        // ∇H·1 = 0 and ∇²H·1 = 0, ∇²J·1 = 0, F·1 = 0: exact identities. What remains is rounding:
        // each πᵢ carries a relative error of a few ε, so Σπ − 1 and the sums inside these
        // products are off by at most ~K·ε (tolerance 4·K·ε, with ε = 2.2e-16).
        let rounding = 4 * Double(k) * .ulpOfOne
        #expect(abs(compensatedSum(p.entropyGradient)) <= rounding)
        #expect(p.entropyHessianVectorProduct(ones).allSatisfy { abs($0) <= rounding })
        #expect(p.entropyHessian().multiplied(by: ones).allSatisfy { abs($0) <= rounding })
        #expect(p.fisherVectorProduct(ones).allSatisfy { abs($0) <= rounding })
        let r = rng.logits(count: k, scale: 1)
        #expect(try p.expectedRewardHessianVectorProduct(r, ones).allSatisfy { abs($0) <= rounding })
        // Shifting the logits changes nothing, up to the rounding of the shifted inputs themselves:
        // |z + 128| < 256 is stored to ulp(256) = 5.7e-14, which moves π by at most 2·5.7e-14.
        let q = try SoftmaxPolicy(logits: z.map { $0 + 128 })
        #expect(abs(q.entropy - p.entropy) <= 2e-13)
        #expect(maxAbsoluteDifference(q.probabilities, p.probabilities) <= 2e-13)
      }
    }
  }

  @Test func singleAction() throws {
    let p = try SoftmaxPolicy(logits: [3.5])
    #expect(p.probabilities == [1])
    #expect(p.entropy == 0)
    #expect(p.entropyGradient == [0])
    #expect(p.entropyHessian().elements == [0])
    #expect(p.fisherVectorProduct([2]) == [0])
    #expect(p.expectedEntropyDiscriminator == 0)
    #expect(try p.expectedRewardGradient([5]) == [0])
  }

  @Test(arguments: [1, 2, 3, 10, 1000, 151_936])
  func equalLogitsGiveLogK(k: Int) throws {
    let p = try SoftmaxPolicy(logits: Array(repeating: -2.5, count: k))
    #expect(abs(p.entropy - Double.log(Double(k))) <= 1e-13 * max(1, Double.log(Double(k))))
    // Uniform policy: S_i = (1/K)(−log K + log K) = 0.
    #expect(p.entropyDiscriminator.allSatisfy { abs($0) < 1e-15 })
  }

  @Test func hugeLogitsDoNotOverflow() throws {
    let p = try SoftmaxPolicy(logits: [1e4, -1e4, 1e4 - 1, 0])
    #expect(p.probabilities.allSatisfy { $0.isFinite })
    #expect(p.entropy.isFinite)
    // Two live actions with logit gap 1: H = binary entropy of σ(1).
    let a = 1 / (1 + Double.exp(-1))
    // Relative rounding of a few ε in the closed form and in H (tolerance 1e-15 absolute, H ≈ 0.58).
    #expect(abs(p.entropy - (-a * Double.log(a) - (1 - a) * Double.log(1 - a))) <= 1e-15)
    #expect(p.entropyGradient.allSatisfy { $0.isFinite })
    #expect(p.entropyHessian().elements.allSatisfy { $0.isFinite })
    let q = try SoftmaxPolicy(logits: [-1e4, -1e4])
    #expect(abs(q.entropy - Double.log(2)) <= 2 * .ulpOfOne)
  }

  @Test func nonFiniteInputThrows() {
    #expect(throws: SoftmaxError.nonFiniteLogit(index: 1, value: .infinity)) { try SoftmaxPolicy(logits: [0, .infinity]) }
    #expect(throws: SoftmaxError.self) { try SoftmaxPolicy(logits: [.nan, 0]) }
    #expect(throws: SoftmaxError.emptyLogits) { try SoftmaxPolicy(logits: []) }
    #expect(throws: SoftmaxError.invalidTemperature(0)) { try SoftmaxPolicy(logits: [1, 2], temperature: 0) }
    #expect(throws: SoftmaxError.self) { try SoftmaxPolicy(logits: [1, 2], temperature: .nan) }
    // z/T overflowing to infinity is caught, not propagated.
    #expect(throws: SoftmaxError.self) { try SoftmaxPolicy(logits: [1e308, 0], temperature: 1e-10) }
    let p = try! SoftmaxPolicy(logits: [0, 1])
    #expect(throws: SoftmaxError.lengthMismatch(name: "rewards", expected: 2, actual: 3)) { try p.expectedReward([1, 2, 3]) }
    #expect(throws: SoftmaxError.self) { try p.expectedReward([1, .nan]) }
    #expect(SoftmaxError.nonFiniteLogit(index: 1, value: .nan).description.contains("logit 1 is nan"))
  }

  @Test func discriminatorIdentities() throws {
    // Σ_k π_k (S_k − E_π S) = 0 and E_π S ≥ 0 (Chebyshev's sum inequality), on many random states.
    var rng = SplitMix64(seed: 17)
    for trial in 0..<2000 {
      let k = 2 + trial % 60
      let z = rng.logits(count: k, scale: [0.1, 1, 4, 12][trial % 4])
      let p = try SoftmaxPolicy(logits: z)
      let es = p.expectedEntropyDiscriminator
      let centred = compensatedSum(zip(p.probabilities, p.entropyDiscriminator).map { $0 * ($1 - es) })
      #expect(abs(centred) <= 1e-15)
      #expect(es >= -1e-17)
      // E_π S = Cov_π(π, log π), from the definitions by brute force.
      #expect(abs(es - p.covariance(p.probabilities, p.logProbabilities)) <= 1e-14)
      // E_π[u] = 0 for u = log π + H.
      #expect(abs(p.expectation(p.centredLogProbabilities)) <= 1e-14 * max(1, p.entropy))
    }
  }
}
