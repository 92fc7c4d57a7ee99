// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// Byte-for-byte goldens of the dump pipeline's CLI output (standard output, standard error and exit
/// status) on the committed sample dumps, so refactoring the pipeline cannot change what users see.
/// Regenerate after an intended change with
/// `DELTAH_UPDATE_GOLDEN=1 OPENBLAS_NUM_THREADS=1 swift test --skip-build --filter DumpPipelineGoldenTests`
/// and review `git diff Tests/CommandLineTests/Golden`.
@Suite("dump pipeline goldens: analyze / compare output on data/sample and data/trl-tiny")
struct DumpPipelineGoldenTests {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
  static let sample = "data/sample", real = "data/trl-tiny"

  /// Runs `arguments` and compares standard output with `name` and standard error plus the exit
  /// status with `name` minus its extension + `.err`.
  func check(_ arguments: [String], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try runDeltaH(arguments)
    let err = r.standardError + "\(r.status)\n"
    let outURL = Self.directory.appendingPathComponent(name)
    let errURL = outURL.deletingPathExtension().appendingPathExtension("err")
    if ProcessInfo.processInfo.environment["DELTAH_UPDATE_GOLDEN"] == "1" {
      try r.standardOutput.write(to: outURL, atomically: true, encoding: .utf8)
      try err.write(to: errURL, atomically: true, encoding: .utf8)
      return
    }
    let expectedOut = try String(contentsOf: outURL, encoding: .utf8)
    let expectedErr = try String(contentsOf: errURL, encoding: .utf8)
    #expect(r.standardOutput == expectedOut, "stdout differs from Golden/\(name)", sourceLocation: sourceLocation)
    #expect(err == expectedErr, "stderr/status differ from Golden/\(errURL.lastPathComponent)", sourceLocation: sourceLocation)
  }

  @Test func analyzeOneDumpJSON() throws {
    try check(["analyze", "\(Self.sample)/step_0001.safetensors", "--json"], "analyze_step_0001.json")
  }

  /// Several dumps: per-step order, η fallback warning per file.
  @Test func analyzeStepSeriesJSONAndTable() throws {
    let dumps = (1...3).map { "\(Self.sample)/step_000\($0).safetensors" }
    try check(["analyze"] + dumps + ["--json"], "analyze_steps.json")
    try check(["analyze"] + dumps, "analyze_steps_table.txt")
  }

  /// Command-line η and a temperature override (its warning).
  @Test func analyzeWithLearningRateAndTemperatureOverride() throws {
    try check(
      ["analyze", "\(Self.sample)/step_0002.safetensors", "--lr", "0.5", "--temperature", "2", "--json"],
      "analyze_step_0002_lr_t.json")
  }

  /// A real TRL dump with tensors outside the contract (named, not ignored silently).
  @Test func analyzeRealDumpJSON() throws {
    try check(["analyze", "\(Self.real)/step_000001.before.safetensors", "--json"], "analyze_trl_before.json")
  }

  @Test func compareRealStepJSON() throws {
    try check(
      ["compare", "\(Self.real)/step_000001.before.safetensors", "\(Self.real)/step_000001.after.safetensors", "--json"],
      "compare_trl.json")
  }
}

@Suite("merge names the command that writes partials (the library does not)")
struct MergePartialHintTests {
  /// Before: the hint lived in DumpAnalysis's error text; now MergeCommand adds it.
  @Test func mergeOfADumpNamesTheAnalyzeShardCommand() throws {
    let r = try runDeltaH(["merge", "data/sample/step_0001.safetensors"])
    #expect(r.status != 0)
    #expect(r.standardError.contains("not a DeltaH analyze partial"), "\(r.standardError)")
    #expect(r.standardError.contains("deltah analyze DUMP --shard i/n --partial OUT"), "\(r.standardError)")
  }
}

@Suite("report goes through the dump pipeline")
struct ReportPipelineTests {
  /// Before: `report --temperature` analysed at the new T without the override warning that
  /// `analyze` shows; both now take it from DumpPipeline.
  @Test func reportCarriesTheTemperatureOverrideWarning() throws {
    let r = try runDeltaH(["report", "data/sample/step_0002.safetensors", "--temperature", "2", "--format", "json"])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("temperature 2.0 given on the command line; the dump's metadata says 1.0"))
  }
}
