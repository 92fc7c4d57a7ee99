// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import GSLSupport
import RealModule
import Testing
import _TestSupport

/// The seven earlier interventions through `TokenWeighting`, against their own selection types
/// and brute force.
@Suite("Classic interventions as token weights")
struct ClassicWeightingTests {
  // docs/theory.md#token-covariance.
  let logp = [-0.05, -0.1, -2.3, -0.01, -1.2, -0.7, -3.0, -0.2, -0.02, -0.5]
  let adv: [Double] = [1, 1, 1, -1, -1, 1, -1, 1, -1, 1]
  var batch: TokenBatch { get throws { try TokenBatch(logProbabilities: logp, advantages: adv, entropies: logp.map { -$0 }) } }

  @Test func clipCovZeroesTheSeededPick() throws {
    let w = try ClipCovWeighting(bounds: (0.1, 0.5), ratio: 0.2, seed: 7).weights(for: batch)
    let pick = try ClipCovSelection(
      centredProducts: batch.centredProducts, lowerBound: 0.1, upperBound: 0.5, ratio: 0.2,
      generator: MersenneTwister(seed: 7)).selected
    #expect(pick.count == 2)
    #expect(Set(pick).isSubset(of: [4, 7, 9]))  // the spec's candidates
    for i in 0..<10 { #expect(w[i] == (pick.contains(i) ? 0 : 1)) }
  }

  @Test func klCovIsInertAtRatioOneAndPenalisesOtherwise() throws {
    let k = KLCovWeighting(ratio: 0.2, coefficient: 0.5)
    #expect(try k.weights(for: batch) == Array(repeating: 1, count: 10))
    #expect(try k.advantageOffsets(for: batch) == Array(repeating: 0, count: 10))
    // Old log-probs below the current ones on tokens 6 and 0 (the top-2 Cov): the penalty pulls back.
    var old = logp
    old[6] -= 0.1
    old[0] += 0.1
    let t = try TokenBatch(logProbabilities: logp, advantages: adv, entropies: logp, oldLogProbabilities: old)
    let b = try k.advantageOffsets(for: t)!
    #expect(b[6] == -0.5 && b[0] == 0.5)
    #expect(b.enumerated().allSatisfy { $0.offset == 0 || $0.offset == 6 || $0.element == 0 })
    let w = try k.weights(for: t)
    #expect(abs(w[6] - Double.exp(0.1)) < 1e-15 && abs(w[0] - Double.exp(-0.1)) < 1e-15)
  }

  @Test func steerMatchesSpecValues() throws {
    // docs/theory.md#steer: (A, π, π_old, H) → linear weights [1.2, 1.2, 0.8].
    let t = try TokenBatch(
      logProbabilities: [0.6, 0.6, 0.05].map { Double.log($0) }, advantages: [1, -1, 1], entropies: [1, 1, 1],
      oldLogProbabilities: [0.5, 0.5, 0.05].map { Double.log($0) })
    let w = try SteerWeighting.linear(minimum: 0.8, maximum: 1.2).weights(for: t)
    for (a, b) in zip(w, [1.2, 1.2, 0.8]) { #expect(abs(a - b) < 1e-12) }
  }

  @Test func flowBalanceZeroesTheNetFlow() throws {
    let t = try randomBatch(50, seed: 11)
    let w = try FlowBalanceWeighting().weights(for: t)
    let p = t.polarity!
    let net = t.validIndices.map { w[$0] * p[$0] }.reduce(0, +)
    // (1 + λ)Φ+ − (1 − λ)Φ− = 0 up to rounding of sums of O(0.1) terms.
    #expect(abs(net) < 1e-12)
  }

  @Test func entrocraftKeepsBySignOfAdvantage() throws {
    let c = try EntrocraftController(startBounds: (0.6, 0.7), endBounds: (0.6, 0.7), totalSteps: 10)
    // Mean entropy 1.2 > 0.7: keep only A ≥ 0.
    let t = try TokenBatch(logProbabilities: logp, advantages: adv, entropies: Array(repeating: 1.2, count: 10))
    #expect(try EntrocraftWeighting(controller: c, step: 0).weights(for: t) == adv.map { $0 >= 0 ? 1 : 0 })
    let low = try TokenBatch(logProbabilities: logp, advantages: adv, entropies: Array(repeating: 0.1, count: 10))
    #expect(try EntrocraftWeighting(controller: c, step: 0).weights(for: low) == adv.map { $0 <= 0 ? 1 : 0 })
  }

  /// Forking arms against a brute-force numpy-linear quantile; the two arms partition the valid tokens.
  @Test func forkingArmsPartitionByLinearQuantile() throws {
    for seed in UInt64(20)..<26 {
      let t = try randomBatch(37, seed: seed)
      let v = t.validIndices.map { t.entropies[$0] }.sorted()
      let h = Double(v.count - 1) * 0.8
      let lo = Int(h), hi = min(lo + 1, v.count - 1)
      let tau = v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
      let top = try ForkingTokenWeighting(ratio: 0.2, arm: .top).weights(for: t)
      let bottom = try ForkingTokenWeighting(ratio: 0.2, arm: .bottom).weights(for: t)
      for i in 0..<t.count {
        if t.valid[i] {
          #expect(top[i] == (t.entropies[i] >= tau ? 1 : 0))
          #expect(top[i] + bottom[i] == 1)
        } else {
          #expect(top[i] == 1 && bottom[i] == 1)
        }
      }
    }
  }

  @Test func polarityBranchesFollowTheSign() throws {
    let t = try randomBatch(30, seed: 12)
    let w = try PolarityBranchWeighting(branches: PolarityBranchWeights(expanding: 1, contracting: 0), label: "expanding-only").weights(for: t)
    for i in t.validIndices { #expect(w[i] == (t.polarity![i] > 0 ? 1 : t.polarity![i] < 0 ? 0 : 1)) }
  }
}
