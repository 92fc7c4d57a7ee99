// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

/// A random batch: `n` tokens in sequences of 4, groups of 2 sequences, one masked token in 7.
func randomBatch(_ n: Int, seed: UInt64, ratioSpread: Double = 0.3, withOld: Bool = true) throws -> TokenBatch {
  var g = SplitMix64(seed: seed)
  let logp = (0..<n).map { _ in -abs(g.normal()) * 1.5 - 0.01 }
  let old = logp.map { $0 + ratioSpread * g.normal() }
  let adv = (0..<n).map { _ in (g.normal() * 4).rounded() / 4 }
  let h = (0..<n).map { _ in abs(g.normal()) }
  let pf = (0..<n).map { _ in 0.1 * g.normal() }
  let valid = (0..<n).map { $0 % 7 != 3 }
  return try TokenBatch(
    logProbabilities: logp, advantages: adv, entropies: h, valid: valid,
    oldLogProbabilities: withOld ? old : nil, sequenceIDs: (0..<n).map { Int64($0 / 4) },
    groupIDs: (0..<n).map { Int64($0 / 8) }, polarityFactors: pf)
}

@Suite("TokenBatch and the TokenWeighting protocol")
struct TokenBatchTests {
  @Test func centredProductsMatchTokenCovariance() throws {
    let t = try randomBatch(41, seed: 1)
    let ref = try TokenCovariance(logProbabilities: t.logProbabilities, advantages: t.advantages, mask: t.valid)
    // Both are (ℓ − ℓ̄)(A − Ā) with compensated means; only summation order differs (≤ a few ulps).
    for i in 0..<t.count { #expect(abs(t.centredProducts[i] - ref.centredProducts[i]) < 1e-12) }
  }

  @Test func ratiosAndPolarity() throws {
    let t = try randomBatch(20, seed: 2)
    for i in t.validIndices {
      #expect(abs(t.ratios[i] - Double.exp(t.logProbabilities[i] - t.oldLogProbabilities![i])) <= 1e-15 * t.ratios[i])
      #expect(t.polarity![i] == t.advantages[i] * t.polarityFactors![i])
    }
    #expect(try randomBatch(5, seed: 3, withOld: false).ratios == [1, 1, 1, 1, 1])
  }

  @Test func rejectsBadInput() {
    #expect(throws: InterventionError.self) {
      try TokenBatch(logProbabilities: [0, -1], advantages: [1], entropies: [1, 1])
    }
    #expect(throws: InterventionError.self) {
      try TokenBatch(logProbabilities: [.nan], advantages: [1], entropies: [1])
    }
    #expect(throws: InterventionError.self) {
      try TokenBatch(logProbabilities: [-1], advantages: [1], entropies: [1], valid: [false])
    }
    // A NaN at an invalid token is ignored.
    #expect(throws: Never.self) {
      try TokenBatch(logProbabilities: [-1, .nan], advantages: [1, 1], entropies: [1, 1], valid: [true, false])
    }
  }

  /// The entropy-bonus offsets are unbiased: summing over the sampled token y ~ π,
  /// Σ_y π_y · b_y · (E_π S − S_y) = α Σ_y S_y² = α‖∇H‖² (docs/theory.md#entropy-bonus), exactly.
  @Test func entropyBonusOffsetsAreUnbiased() throws {
    var g = SplitMix64(seed: 4)
    for k in [2, 5, 17] {
      let p = try SoftmaxPolicy(logits: g.logits(count: k, scale: 2))
      let s = (0..<k).map { p.probabilities[$0] * (p.logProbabilities[$0] + p.entropy) }
      let es = (0..<k).map { p.probabilities[$0] * s[$0] }.reduce(0, +)
      let alpha = 0.3
      let t = try TokenBatch(
        logProbabilities: p.logProbabilities, advantages: Array(repeating: 0, count: k),
        entropies: Array(repeating: p.entropy, count: k))
      let b = entropyBonusOffsets(coefficients: Array(repeating: alpha, count: k), tokens: t)
      let expected = (0..<k).map { p.probabilities[$0] * b[$0] * (es - s[$0]) }.reduce(0, +)
      let closed = alpha * s.map { $0 * $0 }.reduce(0, +)
      #expect(abs(expected - closed) < 1e-14)
      #expect(closed > 0)
    }
  }

  @Test func noInterventionIsIdentity() throws {
    let t = try randomBatch(9, seed: 5)
    #expect(NoIntervention().weights(for: t) == Array(repeating: 1, count: 9))
    #expect(try NoIntervention().advantageOffsets(for: t) == nil)
  }
}
