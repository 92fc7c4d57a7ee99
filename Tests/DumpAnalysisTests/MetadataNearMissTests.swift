// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import Testing

/// A metadata key that looks like a contract key is not read, so its default is used: it is
/// named in a warning (before: silently ignored, e.g. `learning_rate` left η = 1).
@Suite("Metadata near misses are named")
struct MetadataNearMissTests {
  let fixtures = DumpFixtures()

  func dump(_ name: String, metadata: [String: String]) throws -> LogitDump {
    let batch = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 31)
    return try LogitDump(path: fixtures.write(batch, name: name, metadata: metadata))
  }

  @Test func misnamedKeysAreWarnedAboutEverywhere() throws {
    let d = try dump("near.safetensors", metadata: ["learning_rate": "0.5", "temperatur": "0.7", "global_step": "3"])
    let w = d.metadataWarnings
    #expect(w.count == 3)
    #expect(w.contains { $0.contains("'learning_rate'") && $0.contains("'lr'") })
    #expect(w.contains { $0.contains("'temperatur'") && $0.contains("'temperature'") })
    #expect(w.contains { $0.contains("'global_step'") && $0.contains("'step'") })
    // analyze, a merge of shards, and compare all carry them.
    let whole = try DumpPipeline.analyze(d, settings: DumpAnalysisSettings()).summary
    for warning in w { #expect(whole.warnings.contains(warning)) }
    var parts: [AnalysisPartial] = []
    for i in 0..<2 {
      let range = PositionTable.shardRange(index: i, of: 2, positionShape: d.positionShape)
      let p = fixtures.path("near-\(i).safetensors")
      try AnalysisPartial(dump: d, table: PositionTable(dump: d, temperature: d.temperature, range: range), options: AnalysisOptions(), shard: (i, 2)).write(to: p)
      parts.append(try AnalysisPartial(path: p))
    }
    #expect(try AnalysisPartial(merging: parts).analysis().summary.warnings == whole.warnings)
    let compared = try CheckpointComparison.comparing(before: d, after: d)
    for warning in w { #expect((compared.summary.warnings ?? []).contains { $0.hasSuffix(warning) }) }
  }

  @Test func contractAndInformationalKeysPass() throws {
    let d = try dump("ok.safetensors", metadata: [
      "temperature": "0.9", "step": "1", "lr": "0.5", "vocab_size": "16", "source": "deltah.trl.capture",
      "phase": "before", "capture_logits": "full", "format": "pt", "producer": "x",
      // a near miss whose contract key is present is redundant, not misleading
      "global_step": "1",
    ])
    #expect(d.metadataWarnings.isEmpty)
  }
}
