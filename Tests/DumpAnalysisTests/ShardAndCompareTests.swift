// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyDynamics
import Foundation
import LogitDumps
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Shards merge exactly; compare matches the Double route")
struct ShardAndCompareTests {
  let fixtures = DumpFixtures()

  /// The partial `analyze --shard` writes for `range` of `dump`.
  func partial(_ dump: LogitDump, range: Range<Int>, options: AnalysisOptions, shard: (Int, Int), temperature: Double = 1) throws -> AnalysisPartial {
    let table = try PositionTable(dump: dump, temperature: temperature, range: range)
    return try AnalysisPartial(dump: dump, table: table, options: options, shard: shard)
  }

  func encoded(_ s: DumpSummary) throws -> String {
    var s = s
    s.file = ""
    s.step = nil
    let e = JSONEncoder()
    e.outputFormatting = .sortedKeys
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try e.encode(s), as: UTF8.self)
  }

  @Test(arguments: [1, 2, 3, 5])
  func mergedShardsEqualTheWhole(shards: Int) throws {
    let batch = DumpFixtures.randomBatch(b: 5, t: 4, v: 64, seed: 9)
    let path = try fixtures.write(batch, name: "whole\(shards).safetensors")
    let dump = try LogitDump(path: path)
    var options = AnalysisOptions()
    options.microBatch = 2
    options.klCovRatio = 0.1
    options.clipCovBounds = .init(lower: -1, upper: 1)
    let whole = try BatchAnalysis(dump: dump, table: PositionTable(dump: dump, temperature: 1), options: options)
    var parts: [AnalysisPartial] = []
    for i in 0..<shards {
      let range = PositionTable.shardRange(index: i, of: shards, positionShape: dump.positionShape)
      #expect(range.lowerBound % 4 == 0 && range.upperBound % 4 == 0)  // whole sequences
      let p = fixtures.path("part\(shards)-\(i).safetensors")
      try partial(dump, range: range, options: options, shard: (i, shards)).write(to: p)
      parts.append(try AnalysisPartial(path: p))
    }
    let merged = try AnalysisPartial(merging: parts.reversed()).analysis()
    #expect(try encoded(merged.summary) == encoded(whole.summary))
  }

  @Test func overlappingPartialsAreRejected() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 3, v: 16, seed: 10)
    let path = try fixtures.write(batch, name: "ov.safetensors")
    let dump = try LogitDump(path: path)
    let p = fixtures.path("ov-part.safetensors")
    try partial(dump, range: 0..<6, options: AnalysisOptions(), shard: (0, 1)).write(to: p)
    let t = try AnalysisPartial(path: p)
    #expect(throws: DumpError.self) { try AnalysisPartial(merging: [t, t]) }
    #expect {
      _ = try AnalysisPartial(path: path)
    } throws: { ($0 as? DumpError)?.description.contains("not a DeltaH analyze partial") == true }
  }

  /// compare against entropyChange(of:logitStep:) on SoftmaxPolicy per position (F64 ⇒ 1e-9).
  @Test func compareMatchesEntropyChange() throws {
    let before = DumpFixtures.randomBatch(b: 2, t: 4, v: 90, seed: 11)
    var after = before
    var rng = SplitMix64(seed: 12)
    after.logits = before.logits.map { $0 + 0.05 * rng.normal() }
    let a = try LogitDump(path: fixtures.write(before, name: "before.safetensors", temperature: 0.9))
    let b = try LogitDump(path: fixtures.write(after, name: "after.safetensors", temperature: 0.9))
    let c = try CheckpointComparison(before: a, after: b, temperature: 0.9)
    var actual: [Double] = [], first: [Double] = []
    for i in 0..<8 where before.mask[i] == 1 {
      let z = Array(before.logits[(i * 90)..<((i + 1) * 90)])
      let step = (0..<90).map { after.logits[i * 90 + $0] - z[$0] }
      let e = try entropyChange(of: SoftmaxPolicy(logits: z, temperature: 0.9), logitStep: step)
      #expect(abs(c.deltaActual[i] - e.actual) <= 1e-9)
      #expect(abs(c.deltaFirstOrder[i] - e.firstOrder) <= 1e-9)
      #expect(abs(c.deltaSecondOrder[i] - e.secondOrder) <= 1e-9)
      actual.append(e.actual)
      first.append(e.firstOrder)
    }
    #expect(c.summary.tokens == 6)
    #expect(abs(c.summary.pearsonFirstOrder! - pearsonCorrelation(first, actual)!) <= 1e-9)
    // Small steps: the second-order prediction is the better one.
    #expect(c.summary.rmseSecondOrder < c.summary.rmseFirstOrder)
    var mismatched = before
    mismatched.v = 45
    mismatched.logits = Array(before.logits.prefix(8 * 45))
    let m = try LogitDump(path: fixtures.write(mismatched, name: "mismatch.safetensors"))
    #expect(throws: DumpError.self) { try CheckpointComparison(before: a, after: m, temperature: 1) }
  }
}
