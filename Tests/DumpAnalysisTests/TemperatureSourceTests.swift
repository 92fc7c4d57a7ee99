// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import Testing

/// T is shown with where it came from, like η: a dump without metadata `temperature` is read at
/// T = 1 *with a warning*, not silently (before: no source and no warning).
@Suite("The temperature's source and the default-T warning")
struct TemperatureSourceTests {
  let fixtures = DumpFixtures()

  func dumpWithoutTemperature(_ name: String) throws -> LogitDump {
    let batch = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 21)
    return try LogitDump(path: fixtures.write(batch, name: name, metadata: ["step": "7"]))  // no `temperature`
  }

  @Test func defaultTemperatureIsNamedAndWarned() throws {
    let dump = try dumpWithoutTemperature("no-t.safetensors")
    #expect(!dump.temperatureInMetadata)
    let s = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings()).summary
    #expect(s.temperature == 1)
    #expect(s.temperatureSource == "default")
    #expect(s.warnings.contains { $0.hasPrefix("T = 1 by default") })
  }

  @Test func metadataAndFlagSourcesGiveNoDefaultWarning() throws {
    let batch = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 22)
    let dump = try LogitDump(path: fixtures.write(batch, name: "with-t.safetensors", temperature: 0.7))
    let fromMetadata = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings()).summary
    #expect(fromMetadata.temperatureSource == "metadata" && fromMetadata.temperature == 0.7)
    let bare = try dumpWithoutTemperature("flag.safetensors")
    // An explicit T, even 1, is the user's choice: source "flag", no default warning.
    let fromFlag = try DumpPipeline.analyze(bare, settings: DumpAnalysisSettings(temperature: 1)).summary
    #expect(fromFlag.temperatureSource == "flag")
    for s in [fromMetadata, fromFlag] { #expect(!s.warnings.contains { $0.hasPrefix("T = 1 by default") }) }
  }

  /// The source and the warning survive sharding: merged partials equal the whole run.
  @Test func shardsCarryTheSource() throws {
    let dump = try dumpWithoutTemperature("shards.safetensors")
    let whole = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings()).summary
    var parts: [AnalysisPartial] = []
    for i in 0..<2 {
      let range = PositionTable.shardRange(index: i, of: 2, positionShape: dump.positionShape)
      let p = fixtures.path("tsrc-\(i).safetensors")
      try AnalysisPartial(dump: dump, table: PositionTable(dump: dump, temperature: dump.temperature, range: range), options: AnalysisOptions(), shard: (i, 2)).write(to: p)
      parts.append(try AnalysisPartial(path: p))
    }
    let merged = try AnalysisPartial(merging: parts).analysis().summary
    #expect(merged.temperatureSource == "default")
    #expect(merged.warnings == whole.warnings)
  }

  /// compare: a default T and disagreeing metadata temperatures are warned about (before: silent).
  @Test func compareWarnsOnDefaultAndDisagreeingTemperatures() throws {
    let bareA = try dumpWithoutTemperature("cmp-a.safetensors"), bareB = try dumpWithoutTemperature("cmp-b.safetensors")
    let bare = try CheckpointComparison.comparing(before: bareA, after: bareB)
    #expect(bare.summary.temperature == 1)
    #expect((bare.summary.warnings ?? []).contains { $0.hasPrefix("T = 1 by default") })
    let given = try CheckpointComparison.comparing(before: bareA, after: bareB, temperature: 1)
    #expect(!(given.summary.warnings ?? []).contains { $0.hasPrefix("T = 1 by default") })
    let batch = DumpFixtures.randomBatch(b: 4, t: 3, v: 16, seed: 23)
    let a = try LogitDump(path: fixtures.write(batch, name: "cmp-07.safetensors", temperature: 0.7))
    let b = try LogitDump(path: fixtures.write(batch, name: "cmp-09.safetensors", temperature: 0.9))
    let mixed = try CheckpointComparison.comparing(before: a, after: b)
    #expect(mixed.summary.temperature == 0.7)
    #expect((mixed.summary.warnings ?? []).contains { $0.hasPrefix("the metadata temperatures differ") })
  }
}
