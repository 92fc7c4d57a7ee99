// DeltaH — entropy change of softmax policies.

// This file imports DumpAnalysis alone (file-scoped imports), as a package that depends on the
// `DumpAnalysis` product only.
import DumpAnalysis
import Testing

@Suite struct DumpAnalysisImportTests {
  /// `LogitDump` and `DumpError` (LogitDumps) are re-exported: the one-dump entry of the pipeline
  /// takes the first and throws the second. Before the re-export this file did not compile
  /// ("cannot find 'LogitDump' in scope").
  @Test func dumpPipelineFromOneImport() throws {
    let dump = try LogitDump(path: "data/sample/step_0001.safetensors")
    let summary = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings()).summary
    #expect(summary.step == 1)
    #expect(summary.tokens > 0 && summary.tokens <= summary.positions)
    #expect(summary.entropySource == "logits")
    let missing = "data/sample/no_such_dump.safetensors"
    let error = #expect(throws: DumpError.self) { try LogitDump(path: missing) }
    #expect(error?.file == missing)
  }
}
