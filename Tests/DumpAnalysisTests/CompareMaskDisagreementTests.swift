// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import Testing

/// `compare` reads BEFORE's mask (else AFTER's). Before, an AFTER dump whose mask differs (e.g.
/// other response lengths: not the same positions) was compared without a word, its mask silently
/// unused; now the summary warns, identically in every shard so that merge still accepts them.
@Suite struct CompareMaskDisagreementTests {
  let fixtures = DumpFixtures()

  @Test func differingMasksAreWarnedInEveryShardAndSurviveMerge() throws {
    let batch = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 41)
    var later = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 42)
    later.mask = batch.mask
    let same = try LogitDump(path: fixtures.write(later, name: "same-mask.safetensors"))
    later.mask[4] = 0
    later.mask[7] = 0
    let before = try LogitDump(path: fixtures.write(batch, name: "before.safetensors"))
    let after = try LogitDump(path: fixtures.write(later, name: "after.safetensors"))
    let expected = "the masks differ at 2 of 12 positions (first: 4); the mask of \(before.path) is used"
    let whole = try CheckpointComparison.comparing(before: before, after: after)
    #expect(whole.summary.warnings == [expected])
    #expect(whole.summary.tokens == batch.mask.filter { $0 == 1 }.count)  // BEFORE's mask, as documented
    #expect(try CheckpointComparison.comparing(before: before, after: same).summary.warnings == [])
    let shards = try [0..<6, 6..<12].enumerated().map { i, range in
      ComparisonPartial(comparison: try CheckpointComparison.comparing(before: before, after: after, range: range), beforeIdentity: "b", afterIdentity: "a", shard: (i, 2))
    }
    for s in shards { #expect(s.comparison.summary.warnings == [expected]) }
    let merged = try ComparisonPartial(merging: shards)
    #expect(merged.comparison.summary.warnings == [expected])
  }
}

/// `whatif BEFORE AFTER` reports the actual ΔH between the dumps. Before, it compared them with
/// none of `compare`'s warnings: metadata temperatures that differ (1.0 vs 0.7) or masks that
/// differ passed silently; now they are the what-if report's warnings too.
@Suite struct WhatIfComparisonWarningTests {
  let fixtures = DumpFixtures()

  @Test func theComparisonsWarningsReachTheWhatIfReport() throws {
    let batch = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 43)
    var later = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 44)
    later.mask = batch.mask
    later.mask[5] = 0
    let before = try fixtures.write(batch, name: "w-before.safetensors")
    let after = try fixtures.write(later, name: "w-after.safetensors", temperature: 0.7)
    let report = try DumpPipeline.whatIf(before, after: after, settings: DumpAnalysisSettings(learningRate: 1), whatIf: WhatIfOptions())
    #expect(report.warnings.contains("the metadata temperatures differ: 1.0 in \(before), 0.7 in \(after); both are read at T = 1.0"))
    #expect(report.warnings.contains("the masks differ at 1 of 12 positions (first: 5); the mask of \(before) is used"))
    let plain = try DumpPipeline.whatIf(before, settings: DumpAnalysisSettings(learningRate: 1), whatIf: WhatIfOptions())
    #expect(!plain.warnings.contains { $0.contains("differ") })
  }
}
