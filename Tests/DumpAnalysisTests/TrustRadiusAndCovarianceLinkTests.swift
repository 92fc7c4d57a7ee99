// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyDynamics
import LogitDumps
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("compare's trust radius; the covariance–entropy-change link across dumps")
struct TrustRadiusAndCovarianceLinkTests {
  let fixtures = DumpFixtures()

  /// Per position, compare's trust_scale (from the kernel's first- and second-order predictions)
  /// against s* computed on SoftmaxPolicy in Double from the dump's F64 logits (relative 1e-6:
  /// the kernel's ½ΔxᵀQΔx is recovered as a difference of two predictions, which costs up to
  /// ulp(first)/|½ΔxᵀQΔx| of relative accuracy; these steps keep that ratio below 1e-8).
  /// The summary counts and the inside-radius Pearson are recomputed from those values.
  @Test func trustScalesMatchThePolicyRouteAndTheSummaryCountsThem() throws {
    let before = DumpFixtures.randomBatch(b: 3, t: 8, v: 60, seed: 21, scale: 2)
    var after = before
    var rng = SplitMix64(seed: 22)
    // Step sizes vary by row so that some positions fall outside their radius and some inside.
    after.logits = before.logits.indices.map { before.logits[$0] + [0.02, 0.3, 1.5][($0 / 60) % 3] * rng.normal() }
    let a = try LogitDump(path: fixtures.write(before, name: "tr-before.safetensors"))
    let b = try LogitDump(path: fixtures.write(after, name: "tr-after.safetensors"))
    let c = try CheckpointComparison(before: a, after: b, temperature: 1)
    let scales = c.trustScales(tolerance: 0.1)
    var expected: [Double] = [], first: [Double] = [], actual: [Double] = []
    for i in 0..<24 where c.valid[i] {
      let z = Array(before.logits[(i * 60)..<((i + 1) * 60)])
      let step = (0..<60).map { after.logits[i * 60 + $0] - z[$0] }
      let p = try SoftmaxPolicy(logits: z)
      let s = try trustScale(of: p, logitStep: step, tolerance: 0.1)
      #expect(abs(scales[i] - s) <= 1e-6 * s, "position \(i): \(scales[i]) vs \(s)")
      expected.append(s)
      first.append(c.deltaFirstOrder[i])
      actual.append(c.deltaActual[i])
    }
    #expect(scales.enumerated().allSatisfy { c.valid[$0.offset] || $0.element.isNaN })
    let t = c.trustRadius(tolerance: 0.1)
    let outside = expected.filter { $0 < 1 }.count
    #expect(t.tokens == expected.count && t.outsideTokens == outside)
    #expect(outside > 0 && outside < expected.count)
    #expect(t.outsideTrustRadiusShare == Double(outside) / Double(expected.count))
    let inside = expected.indices.filter { expected[$0] >= 1 }
    #expect(abs(t.pearsonFirstOrderInsideTrustRadius! - pearsonCorrelation(inside.map { first[$0] }, inside.map { actual[$0] })!) < 1e-12)
    // What the radius is for: inside it the first order is far more accurate.
    #expect(t.rmseFirstOrderInside! < t.rmseFirstOrderOutside!)
    // The per-token tensor is written beside the others.
    let w = c.perTokenWriter(trustTolerance: 0.1)
    #expect(w.metadata["trust_tolerance"] == "0.1")
  }

  @Test func covarianceEntropyChangePairsConsecutiveDumps() {
    let covariances: [Double?] = [0.5, 0.3, 0.1, 0.2], means: [Double?] = [2.0, 1.6, 1.4, 1.35]
    let link = CovarianceEntropyChange(covariances: covariances, entropyTokenMeans: means, steps: [0, 1, nil, 3])
    #expect(link.n == 3 && link.steps == [0, 1, 2])
    #expect(link.covariance == [0.5, 0.3, 0.1])
    #expect(zip(link.entropyChange, [-0.4, -0.2, -0.05]).allSatisfy { abs($0 - $1) < 1e-15 })
    // Independent Pearson of (0.5, 0.3, 0.1) with (−0.4, −0.2, −0.05): by hand.
    let c = [0.5, 0.3, 0.1], d = [-0.4, -0.2, -0.05]
    let mc = 0.3, md = d.reduce(0, +) / 3
    let sxy = zip(c, d).map { ($0 - mc) * ($1 - md) }.reduce(0, +)
    let sxx = c.map { ($0 - mc) * ($0 - mc) }.reduce(0, +), syy = d.map { ($0 - md) * ($0 - md) }.reduce(0, +)
    #expect(abs(link.correlation! - sxy / (sxx * syy).squareRoot()) < 1e-12)
    #expect(link.correlation! < -0.9)
    let two = CovarianceEntropyChange(covariances: Array(covariances.prefix(3)), entropyTokenMeans: Array(means.prefix(3)), steps: [0, 1, 2])
    #expect(two.n == 2 && two.correlation == nil)  // two points always correlate ±1
    let gap = CovarianceEntropyChange(covariances: [0.5, nil, 0.1, 0.2], entropyTokenMeans: means, steps: [0, 1, 2, 3])
    #expect(gap.n == 2 && gap.steps == [0, 2])
  }
}
