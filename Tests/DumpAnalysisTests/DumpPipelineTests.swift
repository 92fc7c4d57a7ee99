// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import DumpAnalysis
import LogitDumps

@Suite("DumpPipeline: dump → table → analysis with η, T and step order")
struct DumpPipelineTests {
  static let steps = (1...3).map { "data/sample/step_000\($0).safetensors" }

  /// Dumps given in reverse come back in step order; each equals the hand-wired analysis exactly.
  @Test func seriesIsInStepOrderAndEqualsTheHandWiredAnalysis() throws {
    let series = try DumpPipeline.analyze(paths: Self.steps.reversed(), settings: DumpAnalysisSettings())
    #expect(series.summaries.map(\.file) == Self.steps)
    #expect(series.summaries.map(\.step) == series.summaries.map(\.step).sorted { ($0 ?? 0) < ($1 ?? 0) })
    let dump = try LogitDump(path: Self.steps[0])
    var options = AnalysisOptions()
    if let lr = dump.learningRate { options.learningRate = lr; options.learningRateSource = .metadata }
    let direct = try BatchAnalysis(dump: dump, table: PositionTable(dump: dump, temperature: dump.temperature), options: options)
    #expect(series.summaries[0].polarity?.total == direct.summary.polarity?.total)
    #expect(series.summaries[0].warnings == direct.summary.warnings)
  }

  /// η: the given value wins (source flag), else the dump's 'lr' (metadata), else 1 (default).
  @Test func learningRateFallbackAndSource() throws {
    let given = DumpAnalysisSettings(learningRate: 0.5).resolvedOptions(dumpLearningRate: 2)
    #expect(given.learningRate == 0.5 && given.learningRateSource == .flag)
    let fromDump = DumpAnalysisSettings().resolvedOptions(dumpLearningRate: 2)
    #expect(fromDump.learningRate == 2 && fromDump.learningRateSource == .metadata)
    let neither = DumpAnalysisSettings().resolvedOptions(dumpLearningRate: nil)
    #expect(neither.learningRate == 1 && neither.learningRateSource == .default)
  }

  /// A temperature different from the dump's adds a warning; the dump's own T adds none.
  @Test func temperatureOverrideWarns() throws {
    let dump = try LogitDump(path: Self.steps[1])
    let other = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(temperature: dump.temperature * 2))
    #expect(other.summary.temperature == dump.temperature * 2)
    #expect(other.summary.warnings.last?.contains("given on the command line; the dump's metadata says") == true)
    let same = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(temperature: dump.temperature))
    #expect(!same.summary.warnings.contains { $0.contains("given on the command line") })
  }
}
