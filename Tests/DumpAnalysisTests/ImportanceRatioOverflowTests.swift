// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import LogitDumps
import Testing
import _TestSupport

/// Old log-probabilities whose importance ratio exp(ℓ − ℓ_old) overflows Double. Before, `whatif`
/// printed NaN in the kl-cov, ppo-clip, bapo and hapo rows with exit 0, and `analyze --clip-low
/// --clip-high` blamed η ("the polarity … overflows Double; give a smaller η").
@Suite("Importance ratios that overflow Double are refused, naming old_logprobs")
struct ImportanceRatioOverflowTests {
  let fixtures = DumpFixtures()

  func dump(oldAt5: Double, name: String) throws -> (PositionTable, String) {
    let batch = DumpFixtures.randomBatch(b: 2, t: 4, v: 6, seed: 61)
    let old = (0..<8).map { $0 == 5 ? oldAt5 : -1.5 }
    let path = try fixtures.write(batch, name: name) { w in w.add("old_logprobs", old, shape: [2, 4]) }
    return (try PositionTable(dump: LogitDump(path: path), temperature: 1), path)
  }

  @Test func whatifRefusesAnOverflowingRatio() throws {
    let (table, path) = try dump(oldAt5: -800, name: "ratio_overflow_w.safetensors")
    #expect(table.valid[5])
    let analysis = try BatchAnalysis(table: table, file: path, step: 1, options: AnalysisOptions())
    let error = try #require(throws: DumpError.self) { try WhatIfReport(analysis: analysis, file: path, step: 1) }
    #expect(error.tensor == "old_logprobs" && "\(error)".contains("position 5"))
  }

  @Test func analyzeClippingNamesTheRatioNotEta() throws {
    let (table, path) = try dump(oldAt5: -800, name: "ratio_overflow_a.safetensors")
    var options = AnalysisOptions()
    options.clipping = ClipSettings(low: 0.2, high: 0.2, dual: nil)
    let error = try #require(throws: DumpError.self) { try BatchAnalysis(table: table, file: path, step: nil, options: options) }
    #expect(error.tensor == "old_logprobs" && "\(error)".contains("importance ratio"))
  }

  /// A log-ratio just below the limit stays a finite ratio: every row is a number.
  @Test func largeFiniteRatiosStillWork() throws {
    let (table, path) = try dump(oldAt5: -600, name: "ratio_large.safetensors")
    let analysis = try BatchAnalysis(table: table, file: path, step: 1, options: AnalysisOptions())
    let report = try WhatIfReport(analysis: analysis, file: path, step: 1)
    #expect(report.interventions.allSatisfy { $0.deltaFirstOrder.isFinite })
  }
}
