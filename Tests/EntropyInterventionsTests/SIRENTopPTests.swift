// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import Foundation
import Testing
import _TestSupport

@Suite("SIREN's top-p mask: nucleus, unbiased offsets, p = 1 limit")
struct SIRENTopPTests {
  func softmax(_ z: [Double]) -> [Double] {
    let m = z.max()!
    let e = z.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
  }

  /// Brute force over all subsets: the nucleus has the smallest size k of any subset with mass
  /// ≥ p, and the largest mass among subsets of that size (the top k).
  @Test(arguments: [0.3, 0.5, 0.8, 0.95, 1.0])
  func nucleusIsTheSmallestSetReachingP(p: Double) throws {
    var g = SplitMix64(seed: 12)
    for _ in 0..<20 {
      let pi = softmax(g.logits(count: 6, scale: 1.5))
      let n = try TopPNucleus(probabilities: pi, p: p)
      var best: [Int: Double] = [:]
      for subset in 1..<(1 << 6) {
        let members = (0..<6).filter { subset & (1 << $0) != 0 }
        let mass = members.reduce(0) { $0 + pi[$1] }
        best[members.count] = max(best[members.count] ?? 0, mass)
      }
      // 1e-12: mass sums of six terms; p = 1 is reached only up to rounding.
      let k = (1...6).first { best[$0]! >= p - 1e-12 }!
      #expect(n.members.count == k)
      #expect(abs(n.mass - best[k]!) < 1e-12)
    }
  }

  /// E_{y∼π}[b(y)(e_y − π)] equals the gradient of H_N in the logits (N fixed), by central
  /// differences with h = 1e-5 (truncation O(h²) ≈ 1e-10, rounding ≈ 1e-11; tolerance 1e-8).
  @Test func offsetsAreUnbiasedForTheNucleusEntropyGradient() throws {
    var g = SplitMix64(seed: 5)
    for p in [0.5, 0.7, 0.9] {
      let z = g.logits(count: 7, scale: 1.2)
      let pi = softmax(z)
      let n = try TopPNucleus(probabilities: pi, p: p)
      func nucleusEntropy(_ z: [Double]) -> Double {
        let e = n.members.map { exp(z[$0]) }
        let s = e.reduce(0, +)
        return -e.reduce(0) { $0 + ($1 / s) * log($1 / s) }
      }
      #expect(abs(nucleusEntropy(z) - n.entropy) < 1e-12)
      for a in 0..<7 {
        var expectation = 0.0
        for y in 0..<7 { expectation += pi[y] * n.bonusOffset(probabilities: pi, sampled: y) * ((y == a ? 1 : 0) - pi[a]) }
        var up = z, down = z
        up[a] += 1e-5
        down[a] -= 1e-5
        let numeric = (nucleusEntropy(up) - nucleusEntropy(down)) / 2e-5
        #expect(abs(expectation - numeric) < 1e-8, "p \(p), a \(a): \(expectation) vs \(numeric)")
      }
    }
  }

  func batch(_ pis: [[Double]], sampled: [Int], advantages: [Double]) throws -> TokenBatch {
    let n = sampled.count
    let row = (0..<n).map { $0 % pis.count }
    let entropies = row.map { r in -pis[r].reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) } }
    var b = try TokenBatch(
      logProbabilities: (0..<n).map { log(pis[row[$0]][sampled[$0]]) }, advantages: advantages, entropies: entropies)
    b.distributions = TokenDistributions(rows: pis, row: row, sampled: sampled)
    return b
  }

  /// With p = 1 the nucleus is the support and the offsets are the full-entropy ones (to 1e-12:
  /// P_N = 1 up to rounding of the sum); with p < 1 they differ, and a token outside N gets 0.
  @Test func pOneIsTheFullEntropyBonus() throws {
    var g = SplitMix64(seed: 8)
    let pis = (0..<3).map { _ in softmax(g.logits(count: 5, scale: 2)) }
    let sampled = (0..<15).map { $0 % 5 }
    let tokens = try batch(pis, sampled: sampled, advantages: (0..<15).map { Double($0 % 4) - 1.5 })
    let plain = try #require(try SIRENEntropyBonus(coefficient: 0.1, peakRatio: 1).advantageOffsets(for: tokens))
    let full = try #require(try SIRENEntropyBonus(coefficient: 0.1, peakRatio: 1, topP: 1).advantageOffsets(for: tokens))
    for t in 0..<15 { #expect(abs(plain[t] - full[t]) < 1e-12) }
    let half = try #require(try SIRENEntropyBonus(coefficient: 0.1, peakRatio: 1, topP: 0.5).advantageOffsets(for: tokens))
    for t in 0..<15 {
      let n = try TopPNucleus(probabilities: pis[t % 3], p: 0.5)
      #expect(half[t] == 0.1 * n.bonusOffset(probabilities: pis[t % 3], sampled: sampled[t]))
      if !n.members.contains(sampled[t]) { #expect(half[t] == 0) }
    }
    #expect(half != full)
    // Without distributions (dump statistics) the top-p setting falls back to H_t.
    let stats = try TokenBatch(logProbabilities: tokens.logProbabilities, advantages: tokens.advantages, entropies: tokens.entropies)
    #expect(try SIRENEntropyBonus(coefficient: 0.1, peakRatio: 1, topP: 0.5).advantageOffsets(for: stats) == plain)
  }

  @Test func badLevelsAreRefused() {
    #expect(throws: InterventionError.self) { try TopPNucleus(probabilities: [0.5, 0.5], p: 0) }
    #expect(throws: InterventionError.self) { try TopPNucleus(probabilities: [0.5, 0.5], p: 1.5) }
    #expect(throws: InterventionError.self) { try TopPNucleus(probabilities: [], p: 0.5) }
  }
}
