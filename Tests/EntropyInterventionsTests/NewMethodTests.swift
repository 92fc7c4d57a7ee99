// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import RealModule
import Testing
import _TestSupport

/// verl's `compute_policy_loss` (vanilla, with dual clip) written from its code, for one token.
func verlLoss(advantage a: Double, logProbability l: Double, old: Double, low: Double, high: Double, dual: Double?) -> Double {
  let r = Double.exp(l - old)
  let l1 = -a * r
  let l2 = -a * min(max(r, 1 - low), 1 + high)
  let clipped = max(l1, l2)
  guard let c = dual, a < 0 else { return clipped }
  return min(clipped, -a * c)
}

/// w = −(∂loss/∂ℓ)/A by central differences (h = 1e-6; kinks are avoided by the test data).
func finiteDifferenceWeight(_ f: (Double) -> Double, at l: Double, advantage a: Double) -> Double {
  let h = 1e-6
  return -(f(l + h) - f(l - h)) / (2 * h) / a
}

@Suite("New interventions against brute force and closed forms")
struct NewMethodTests {
  /// PPO (and the dual clip) against finite differences of verl's loss, away from the kinks.
  @Test func ppoClipMatchesVerlLossGradient() throws {
    var g = SplitMix64(seed: 31)
    for dual in [nil, 3.0] as [Double?] {
      let n = 400
      let logp = (0..<n).map { _ in -abs(g.normal()) }
      let old = logp.map { $0 + 0.8 * g.normal() }
      let adv = (0..<n).map { _ in g.normal() }
      let t = try TokenBatch(logProbabilities: logp, advantages: adv, entropies: logp, oldLogProbabilities: old)
      let clip = PPOClipWeighting(clipLow: 0.2, clipHigh: 0.28, dualClip: dual)
      let w = try clip.weights(for: t)
      var clippedCount = 0
      for i in 0..<n {
        let r = Double.exp(logp[i] - old[i])
        let kinks = [0.8, 1.28] + (dual.map { [$0] } ?? [])
        guard kinks.allSatisfy({ abs(r - $0) > 1e-4 }) else { continue }
        let ref = finiteDifferenceWeight({ verlLoss(advantage: adv[i], logProbability: $0, old: old[i], low: 0.2, high: 0.28, dual: dual) }, at: logp[i], advantage: adv[i])
        // Central differences of a smooth exponential: error O(h²·r) ≈ 1e-12, plus rounding ~1e-10/|A|.
        #expect(abs(w[i] - ref) < 1e-6 * max(1, r), "token \(i): r = \(r), A = \(adv[i])")
        if w[i] == 0 { clippedCount += 1 }
      }
      #expect(clippedCount > 20)  // the data really exercises clipping
    }
    #expect(throws: InterventionError.self) { try PPOClipWeighting(dualClip: 0.9).validate() }
  }

  @Test func cispoClipsTheWeightNotTheToken() throws {
    let r = [0.5, 0.9, 1.0, 1.2, 1.3, 3.0]
    let t = try TokenBatch(
      logProbabilities: Array(repeating: -1, count: 6), advantages: [1, -1, 1, -1, 1, -1],
      entropies: Array(repeating: 1, count: 6), oldLogProbabilities: r.map { -1 - Double.log($0) })
    let w = try CISPOWeighting(clipLow: 0.2, clipHigh: 0.28).weights(for: t)
    for (a, b) in zip(w, [0.8, 0.9, 1.0, 1.2, 1.28, 1.28]) { #expect(abs(a - b) < 1e-14) }
    #expect(w.allSatisfy { $0 > 0 })  // no token loses its gradient
    let lowerFree = try CISPOWeighting().weights(for: t)
    #expect(abs(lowerFree[0] - 0.5) < 1e-14)
  }

  @Test func covarianceKernelClosedForm() throws {
    let logp = [-0.05, -0.1, -2.3, -0.01, -1.2, -0.7, -3.0, -0.2, -0.02, -0.5]
    let adv: [Double] = [1, 1, 1, -1, -1, 1, -1, 1, -1, 1]
    let t = try TokenBatch(logProbabilities: logp, advantages: adv, entropies: logp)
    let cov = [0.6064, 0.5664, -1.1936, -0.9576, 0.4704, 0.0864, 2.6304, 0.4864, -0.9456, 0.2464]
    let s2 = cov.map { $0 * $0 }.reduce(0, +) / 10
    let w = CovarianceKernelWeighting().weights(for: t)
    for i in 0..<10 { #expect(abs(w[i] - Double.exp(-cov[i] * cov[i] / (2 * s2))) < 1e-12) }
    #expect(w.indices.min { w[$0] < w[$1] } == 6)  // the most extreme covariance is damped most
  }

  @Test func klCovAnnealingSchedules() throws {
    let linear = KLCovAnnealing(initialCoefficient: 1, schedule: .linear(final: 0.2, steps: 4))
    for (t, b) in [(0, 1.0), (1, 0.8), (2, 0.6), (4, 0.2), (9, 0.2)] { #expect(abs(try linear.coefficient(atStep: t) - b) < 1e-15) }
    let rm = KLCovAnnealing(initialCoefficient: 2, schedule: .robbinsMonro(timescale: 10))
    #expect(try rm.coefficient(atStep: 10) == 1)
    #expect(try rm.coefficient(atStep: 30) == 0.5)
    #expect(throws: InterventionError.self) { try rm.coefficient(atStep: -1) }
    // At step t the offsets are KL-Cov's with β_t.
    let t = try randomBatch(60, seed: 32)
    var annealed = rm
    annealed.step = 30
    annealed.ratio = 0.1
    #expect(try annealed.advantageOffsets(for: t) == KLCovWeighting(ratio: 0.1, coefficient: 0.5).advantageOffsets(for: t))
  }

  /// BAPO's loop against a direct scan of the same bound sequence.
  @Test func bapoBoundsMatchAScan() throws {
    for seed in UInt64(40)..<46 {
      var g = SplitMix64(seed: seed)
      let n = 200
      let logp = (0..<n).map { _ in -abs(g.normal()) }
      let old = logp.map { $0 + 0.5 * g.normal() }
      // Negative advantages dominate (longer wrong answers), the setting BAPO addresses.
      let adv = (0..<n).map { _ in g.normal() - 0.4 }
      let t = try TokenBatch(logProbabilities: logp, advantages: adv, entropies: logp, oldLogProbabilities: old)
      let bapo = BAPOClipping()
      let got = try bapo.bounds(for: t)
      func share(_ lo: Double, _ hi: Double) -> Double {
        var plus = 0.0, all = 0.0
        for i in 0..<n {
          let r = Double.exp(logp[i] - old[i])
          if (adv[i] > 0 && r > hi) || (adv[i] < 0 && r < lo) { continue }
          all += abs(adv[i]) * r
          if adv[i] > 0 { plus += abs(adv[i]) * r }
        }
        return plus / all
      }
      // Step k of the loop: c_low = 0.6 + 0.02k (k ≤ 15), c_high = min(1.2 + 0.05k, 3.0).
      var expected = (0.6, 1.2)
      for k in 0...15 {
        let lo = 0.6 + 0.02 * Double(k), hi = min(1.2 + 0.05 * Double(k), 3.0)
        expected = (lo, hi)
        if share(lo, hi) >= 0.5 { break }
      }
      #expect(abs(got.lower - expected.0) < 1e-9 && abs(got.upper - expected.1) < 1e-9, "seed \(seed)")
      #expect(abs(got.positiveShare - share(got.lower, got.upper)) < 1e-12)
      let w = try bapo.weights(for: t)
      for i in 0..<n {
        let r = Double.exp(logp[i] - old[i])
        let clipped = (adv[i] > 0 && r > got.upper) || (adv[i] < 0 && r < got.lower)
        #expect(w[i] == (clipped ? 0 : r))
      }
    }
  }

  @Test func hapoBoundsAndTemperaturesAreLinearInEntropy() throws {
    // Entropies 0, 1, 2 → ĥ = 0, ½, 1.
    let r = [1.24, 1.24, 1.24, 0.76, 0.76, 0.76]
    let t = try TokenBatch(
      logProbabilities: Array(repeating: -1, count: 6), advantages: [1, 1, 1, -1, -1, -1],
      entropies: [0, 1, 2, 0, 1, 2], oldLogProbabilities: r.map { -1 - Double.log($0) })
    let hapo = HAPOAdaptiveClipping(temperatureRange: (0.8, 1.2), clipHighRange: (0.2, 0.3), clipLowRange: (0.2, 0.3))
    for (a, b) in zip(try hapo.temperatures(for: t), [0.8, 1.0, 1.2, 0.8, 1.0, 1.2]) { #expect(abs(a - b) < 1e-15) }
    let eps = try hapo.clipBounds(for: t)
    for (e, h) in zip(eps, [0.0, 0.5, 1.0, 0.0, 0.5, 1.0]) {
      #expect(abs(e.high - (0.2 + 0.1 * h)) < 1e-15 && abs(e.low - (0.3 - 0.1 * h)) < 1e-15)
    }
    // r = 1.24 with A > 0: clipped where 1 + ε_h < 1.24 (ĥ = 0: ε_h = 0.2), kept at ĥ = ½ (0.25) and 1 (0.3).
    // r = 0.76 with A < 0: clipped where 1 − ε_l > 0.76 (ĥ = 1: ε_l = 0.2), kept at ĥ = 0 (0.3) and ½ (0.25).
    let w = try hapo.weights(for: t)
    let expected = [0, 1.24, 1.24, 0.76, 0.76, 0]
    for (a, b) in zip(w, expected) { #expect(abs(a - b) < 1e-12) }
  }

  @Test func epoSmoothingCoefficient() throws {
    let epo = EPOEntropySmoothing(history: [1.0, 1.2, 0.8], coefficient: 0.1, band: (0.5, 1.5))
    #expect(try epo.entropyCoefficient(batchEntropy: 1.4) == 0)  // inside [0.5, 1.5]
    #expect(abs(try epo.entropyCoefficient(batchEntropy: 2.0) - (-0.2)) < 1e-15)
    #expect(abs(try epo.entropyCoefficient(batchEntropy: 0.2) - 0.16) < 1e-15)
    #expect(try EPOEntropySmoothing(history: []).entropyCoefficient(batchEntropy: 5) == 0)
    // Batch mean entropy 0.2 < 0.5: bonus with α = 0.16 on every token, b = −α(ℓ + H).
    let t = try TokenBatch(logProbabilities: [-0.1, -2], advantages: [1, -1], entropies: [0.1, 0.3])
    let b = try epo.advantageOffsets(for: t)!
    #expect(abs(b[0] - (-0.16 * (-0.1 + 0.1))) < 1e-15 && abs(b[1] - (-0.16 * (-2 + 0.3))) < 1e-15)
  }

  @Test func sirenBonusOnlyAtPeakEntropy() throws {
    let t = try randomBatch(50, seed: 33)
    let siren = SIRENEntropyBonus(coefficient: 0.05, peakRatio: 0.2)
    let b = try siren.advantageOffsets(for: t)!
    let v = t.validIndices.map { t.entropies[$0] }.sorted()
    let h = Double(v.count - 1) * 0.8
    let tau = v[Int(h)] + (h - Double(Int(h))) * (v[Int(h) + 1] - v[Int(h)])
    for i in 0..<t.count {
      let peak = t.valid[i] && t.entropies[i] >= tau
      #expect(b[i] == (peak ? -0.05 * (t.logProbabilities[i] + t.entropies[i]) : 0))
    }
    #expect(siren.weights(for: t) == Array(repeating: 1, count: t.count))
  }

  @Test func empgModulationAndClarity() throws {
    let t = try randomBatch(40, seed: 34)
    let empg = EMPGModulation(confidenceScale: 2, clarityScale: 1, clarityBonus: 0.1)
    let w = try empg.weights(for: t)
    let mean = t.validIndices.map { w[$0] }.reduce(0, +) / Double(t.validIndices.count)
    #expect(abs(mean - 1) < 1e-14)  // self-calibrating
    let lo = t.validIndices.min { t.entropies[$0] < t.entropies[$1] }!
    let hi = t.validIndices.max { t.entropies[$0] < t.entropies[$1] }!
    #expect(abs(w[hi] / w[lo] - Double.exp(-2)) < 1e-14)  // ĥ = 1 vs 0
    let b = try empg.advantageOffsets(for: t)!
    let hn = t.normalisedEntropies
    for i in 0..<t.count {
      // Brute-force next valid token of the same sequence.
      let next = ((i + 1)..<t.count).first { t.valid[$0] && t.sequenceIDs![$0] == t.sequenceIDs![i] }
      let expected = t.valid[i] ? next.map { 0.1 * Double.exp(-hn[$0]) } ?? 0 : 0
      #expect(abs(b[i] - expected) < 1e-15)
    }
  }

  @Test func lpRegProtectsLowProbabilityNegativeSparks() throws {
    // π(y) = 0.5, 0.3, 0.1, 0.05, 0.01; ρ = 0.5 → δ = 0.1 (the median); τ = 0.02.
    let p = [0.5, 0.3, 0.1, 0.05, 0.01]
    let t = try TokenBatch(logProbabilities: p.map { Double.log($0) }, advantages: [-1, -1, -1, -1, -1], entropies: [1, 1, 1, 1, 1])
    let lp = LpRegProtection(lowProbabilityQuantile: 0.5, noiseThreshold: 0.02)
    let (delta, mask) = try lp.protected(for: t)
    #expect(abs(delta - 0.1) < 1e-15)
    #expect(mask == [false, false, false, true, false])  // 0.1 is not < δ; 0.01 is noise
    #expect(try lp.weights(for: t) == [1, 1, 1, 0, 1])
    let positive = try TokenBatch(logProbabilities: p.map { Double.log($0) }, advantages: [1, 1, 1, 1, 1], entropies: [1, 1, 1, 1, 1])
    #expect(try lp.weights(for: positive) == [1, 1, 1, 1, 1])
  }

  /// The split scan finds the maximum-variance subset: compare with all C(G, m) subsets.
  @Test func d3sMaximumVarianceSubsetIsExact() {
    var g = SplitMix64(seed: 35)
    for _ in 0..<30 {
      let count = Int.random(in: 2...8, using: &g)
      let a = (0..<count).map { _ in (g.normal() * 3).rounded() / 2 }
      for m in 1...count {
        let got = D3SDownSampling.maximumVarianceSubset(advantages: a, size: m)
        func variance(_ idx: [Int]) -> Double {
          let v = idx.map { a[$0] }
          let mean = v.reduce(0, +) / Double(v.count)
          return v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)
        }
        var best = -1.0
        for bits in 0..<(1 << count) where bits.nonzeroBitCount == m {
          best = max(best, variance((0..<count).filter { bits & (1 << $0) != 0 }))
        }
        #expect(got.count == m)
        #expect(abs(variance(got) - best) < 1e-12)
      }
    }
  }

  @Test func d3sTokenLevelKeepsTopAdvantageTimesEntropy() throws {
    let t = try randomBatch(40, seed: 36)
    let d = D3SDownSampling(startRatios: (0.25, 1), scheduleSteps: 10, step: 0)
    let w = try d.weights(for: t)
    let valid = t.validIndices
    let n = Int((0.25 * Double(valid.count)).rounded(.up))
    let scores = valid.map { abs(t.advantages[$0]) * t.entropies[$0] }.sorted(by: >)
    #expect(valid.filter { w[$0] == 1 }.count == n)
    for i in valid where w[i] == 1 { #expect(abs(t.advantages[i]) * t.entropies[i] >= scores[n - 1]) }
    // The schedule relaxes to keep everything at t ≥ T.
    #expect(try D3SDownSampling(startRatios: (0.25, 0.5), scheduleSteps: 10, step: 10).weights(for: t) == Array(repeating: 1, count: t.count))
    // Sample level: per group of 2 sequences keep ⌈0.5·2⌉ = 1 sequence, so half the sequences drop.
    let s = try D3SDownSampling(startRatios: (1, 0.5), scheduleSteps: 10, step: 0).weights(for: t)
    let keptSequences = Set(valid.filter { s[$0] == 1 }.map { t.sequenceIDs![$0] })
    #expect(keptSequences.count == 5)
  }

  @Test func windowEntropyMatchesBruteForce() throws {
    let t = try randomBatch(30, seed: 37)
    let we = try WindowEntropy(entropies: t.entropies, sequenceIDs: t.sequenceIDs, valid: t.valid, window: 3, ratio: 0.25)
    for i in 0..<t.count {
      guard t.valid[i] else { #expect(we.values[i].isNaN); continue }
      let window = (i..<t.count).filter { t.valid[$0] && t.sequenceIDs![$0] == t.sequenceIDs![i] }.prefix(3)
      let mean = window.map { t.entropies[$0] }.reduce(0, +) / Double(window.count)
      #expect(abs(we.values[i] - mean) < 1e-14)
    }
    let one = try WindowEntropy(entropies: t.entropies, sequenceIDs: t.sequenceIDs, valid: t.valid, window: 1)
    for i in t.validIndices { #expect(one.values[i] == t.entropies[i]) }
    #expect(throws: InterventionError.self) { try WindowEntropy(entropies: [1], sequenceIDs: nil, window: 0) }
  }
}
