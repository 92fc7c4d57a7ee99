// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import LogitDumps
import Testing
import _TestSupport

/// whatif names the rows that lose part of their rule for want of ids. Before, a dump without
/// 'group_ids' gave a d3s row with only the token level, and an [N] dump without 'sequence_ids'
/// an empg row whose clarity bonus crossed sequences, both without a word.
@Suite("whatif: rows that need group or sequence ids")
struct WhatIfMissingIdsTests {
  let fixtures = DumpFixtures()

  func report(_ path: String) throws -> WhatIfReport {
    let dump = try LogitDump(path: path)
    let table = try PositionTable(dump: dump, temperature: 1)
    let analysis = try BatchAnalysis(table: table, file: path, step: dump.step, options: AnalysisOptions())
    return try WhatIfReport(analysis: analysis, file: path, step: dump.step)
  }

  @Test func flatDumpWithoutIdsWarnsForD3SAndEMPG() throws {
    let batch = DumpFixtures.randomBatch(b: 1, t: 12, v: 10, seed: 41)
    var w = SafetensorsWriter(metadata: ["step": "3", "lr": "0.5"])
    w.add("logits", batch.logits, shape: [12, 10])
    w.add("token_ids", batch.tokens, shape: [12])
    w.add("advantages", batch.advantages, shape: [12])
    let path = fixtures.path("whatif_flat_no_ids.safetensors")
    try w.write(to: path)
    let warnings = try report(path).warnings
    #expect(warnings.contains { $0.contains("no 'group_ids'") && $0.contains("d3s") && $0.contains("t = 3") })
    #expect(warnings.contains { $0.contains("one sequence id") && $0.contains("empg") })
  }

  @Test func groupedDumpHasNoIdWarning() throws {
    let batch = DumpFixtures.randomBatch(b: 4, t: 6, v: 10, seed: 42)
    let path = try fixtures.write(batch, name: "whatif_grouped.safetensors")
    let warnings = try report(path).warnings
    #expect(!warnings.contains { $0.contains("group_ids") || $0.contains("sequence id") })
  }

  /// From step 100 on, D³S keeps every rollout (q = 1): no group ids are needed.
  @Test func noGroupWarningOnceTheSampleLevelKeepsAll() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 6, v: 10, seed: 43)
    var w = SafetensorsWriter(metadata: ["step": "100", "lr": "0.5"])
    w.add("logits", batch.logits, shape: [2, 6, 10])
    w.add("token_ids", batch.tokens, shape: [2, 6])
    w.add("advantages", batch.advantages, shape: [2, 6])
    let path = fixtures.path("whatif_late_no_groups.safetensors")
    try w.write(to: path)
    #expect(!(try report(path).warnings.contains { $0.contains("group_ids") }))
  }
}
