// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

/// Why Entrocraft's published rule cannot hold its lower bound on a bandit whose mode is the best
/// arm (README, "Entrocraft in the toy"): below L(t) it keeps only rollouts with Â ≤ 0; under
/// GRPO the best arm never has Â < 0 (its reward is the group maximum), and every other arm with
/// π_k < e^{−H} has S_k < 0 ≤ E_π[S], so its polarity Â·(E_π S − S_k) is negative. The branch meant
/// to raise entropy lowers it.
@Suite("Entrocraft: the negative-sample branch contracts on a collapsed bandit")
struct EntrocraftLimitTests {
  @Test func keptNegativeSamplesAllContract() throws {
    var g = SplitMix64(seed: 61)
    var checked = 0
    for _ in 0..<300 {
      let k = Int.random(in: 3...8, using: &g)
      let rewards = (0..<k).map { _ in Double.random(in: 0..<1, using: &g) }
      let best = rewards.indices.max { rewards[$0] < rewards[$1] }!
      var logits = g.logits(count: k, scale: 1)
      logits[best] += Double.random(in: 2...8, using: &g)  // the mode is the best arm
      let pi = try SoftmaxPolicy(logits: logits)
      let threshold = Double.exp(-pi.entropy)
      // The premise: every other arm sits below e^{−H}.
      guard (0..<k).allSatisfy({ $0 == best || pi.probabilities[$0] < threshold }) else { continue }
      let s = (0..<k).map { pi.probabilities[$0] * (pi.logProbabilities[$0] + pi.entropy) }
      let es = (0..<k).map { pi.probabilities[$0] * s[$0] }.reduce(0, +)
      // A GRPO group of 8 draws (fixed pattern: best arm plus every other arm at least once).
      let group = (0..<8).map { $0 % k }
      let r = group.map { rewards[$0] }
      let mean = r.reduce(0, +) / 8
      let sd = (r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 7).squareRoot()
      let adv = r.map { ($0 - mean) / (sd + 1e-6) }
      let keep = EntrocraftController.keepMask(advantages: adv, direction: -1)
      for (j, a) in group.enumerated() where keep[j] && adv[j] != 0 {
        #expect(a != best)
        #expect(adv[j] * (es - s[a]) < 0, "arm \(a), π = \(pi.probabilities[a]), e^-H = \(threshold)")
        checked += 1
      }
    }
    #expect(checked > 200)
  }
}
