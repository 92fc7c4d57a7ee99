// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import RealModule
import Testing
import _TestSupport

@Suite("analyze: ratio clipping in the polarity split, prompt-group statistics")
struct ClippingAndGroupTests {
  let fixtures = DumpFixtures()

  func analysis(_ batch: DumpFixtures.Batch, old: [Double]?, clipping: ClipSettings?, name: String) throws -> BatchAnalysis {
    let path = try fixtures.write(batch, name: name) { w in
      if let old { w.add("old_logprobs", old, shape: [batch.b, batch.t]) }
    }
    var options = AnalysisOptions()
    options.clipping = clipping
    return try BatchAnalysis(table: PositionTable(dump: LogitDump(path: path), temperature: 1), file: path, step: nil, options: options)
  }

  @Test func clippedPolarityIsRatioTimesUnclippedOnKeptTokens() throws {
    let batch = DumpFixtures.randomBatch(b: 5, t: 8, v: 32, seed: 41)
    let plain = try analysis(batch, old: nil, clipping: nil, name: "c0.safetensors")
    let logp = plain.table.logProbability!
    var rng = SplitMix64(seed: 3)
    let old = logp.map { $0 + 0.3 * rng.normal() }
    let clip = ClipSettings(low: 0.2, high: 0.28, dual: 1.3)
    let clipped = try analysis(batch, old: old, clipping: clip, name: "c1.safetensors")
    var expected: [Double] = [], removed: [Double] = []
    var counts = (0, 0, 0)
    for i in 0..<plain.table.count where plain.table.valid[i] {
      let r = Double.exp(logp[i] - old[i])
      let a = batch.advantages[i]
      let isClipped = (a > 0 && r > 1.28) || (a < 0 && (r < 0.8 || r > 1.3))
      if isClipped {
        removed.append(r * plain.polarity![i])
        if a > 0 { counts.0 += 1 } else if r < 0.8 { counts.1 += 1 } else { counts.2 += 1 }
      } else {
        expected.append(r * plain.polarity![i])
      }
    }
    let s = try #require(clipped.summary.clipping)
    #expect(s.count == removed.count && removed.count > 0)
    #expect(s.countUpper == counts.0 && s.countLower == counts.1 && s.countDual == counts.2)
    #expect(counts.2 > 0)  // the dual clip fires on this data
    // Same products in a different association order: agreement to rounding of O(1) sums.
    #expect(abs(clipped.summary.polarity!.total - expected.reduce(0, +)) < 1e-12)
    #expect(abs(s.polarityRemoved!.total - removed.reduce(0, +)) < 1e-12)
    #expect(abs(s.polarityRemoved!.positive - removed.filter { $0 > 0 }.reduce(0, +)) < 1e-12)
    #expect(s.quadrants.map(\.count).reduce(0, +) == s.count)
    #expect(s.ratioMin <= s.ratioPercentiles["p50"]! && s.ratioPercentiles["p50"]! <= s.ratioMax)
  }

  @Test func clippingWithoutOldLogprobsIsAnError() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 4, v: 16, seed: 42)
    #expect {
      _ = try analysis(batch, old: nil, clipping: ClipSettings(low: 0.2, high: 0.2), name: "c2.safetensors")
    } throws: { ($0 as? DumpError)?.description.contains("old_logprobs") == true }
  }

  @Test func groupStatisticsMatchBruteForce() throws {
    var batch = DumpFixtures.randomBatch(b: 6, t: 5, v: 16, seed: 43)
    // Group 1 (sequences 2 and 3): one advantage for every token, as GRPO gives an all-equal group.
    for i in 10..<20 { batch.advantages[i] = 0 }
    let a = try analysis(batch, old: nil, clipping: nil, name: "g.safetensors")
    let g = try #require(a.summary.groups)
    #expect(g.count == 3)
    #expect(g.zeroAdvantageVariance == 1 && abs(g.zeroAdvantageVarianceShare - 1.0 / 3) < 1e-15)
    let logp = a.table.logProbability!
    for row in g.groups {
      let idx = (0..<30).filter { batch.mask[$0] == 1 && batch.groups[$0] == row.group }
      #expect(row.tokens == idx.count)
      let h = idx.map { a.table.entropy[$0] }.reduce(0, +) / Double(idx.count)
      #expect(abs(row.entropyMean! - h) < 1e-12)
      let lm = idx.map { logp[$0] }.reduce(0, +) / Double(idx.count)
      let am = idx.map { batch.advantages[$0] }.reduce(0, +) / Double(idx.count)
      let cov = idx.map { (logp[$0] - lm) * (batch.advantages[$0] - am) }.reduce(0, +) / Double(idx.count)
      #expect(abs(row.covariance! - cov) < 1e-12)
      let sd = (idx.map { (batch.advantages[$0] - am) * (batch.advantages[$0] - am) }.reduce(0, +) / Double(idx.count)).squareRoot()
      #expect(abs(row.advantageStd! - sd) < 1e-12)
      #expect(row.zeroAdvantageVariance == (row.group == 1))
    }
  }
}
