// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `compare` says where T came from (`temperature_source`: flag, metadata or default), in the
/// table, the JSON, merged shards and report captions, as `analyze` and `whatif` do. Before, T was
/// shown without its source (a default T = 1 was only warned about).
@Suite("compare: the temperature's source")
struct CompareTemperatureSourceCommandTests {
  /// The bundled real-network pair (metadata temperature 0.9).
  static let trl: (String, String) = {
    let folder = URL(fileURLWithPath: AnalyzeCommandTests.sample).deletingLastPathComponent().appendingPathComponent("trl-tiny").path
    return ("\(folder)/step_000001.before.safetensors", "\(folder)/step_000001.after.safetensors")
  }()

  @Test func theSourceIsRecordedInTheTableAndTheJSON() throws {
    let (a, b) = Self.trl
    let metadata = try runDeltaH(["compare", a, b, "--json"]).jsonObject()
    #expect(metadata["temperature_source"] as? String == "metadata")
    let flag = try runDeltaH(["compare", a, b, "--temperature", "1.1", "--json"]).jsonObject()
    #expect(flag["temperature_source"] as? String == "flag")
    #expect(try runDeltaH(["compare", a, b]).standardOutput.contains("0.9 (metadata)"))
    // A dump without metadata: T = 1 by default, said in the table next to the warning.
    let scratch = ScratchFolder("compare-default-temperature")
    _ = try scratch.file("README", "scratch")
    let path = scratch.path("plain.safetensors")
    try Data(minimalDumpBytes()).write(to: URL(fileURLWithPath: path))
    let table = try runDeltaH(["compare", path, path])
    #expect(table.status == 0 && table.standardOutput.contains("1 (default)"), "\(table.standardOutput)\(table.standardError)")
    #expect(table.standardError.contains("T = 1 by default"))
  }

  @Test func mergedShardsKeepTheSource() throws {
    let (a, b) = Self.trl
    let scratch = ScratchFolder("compare-temperature-source")
    _ = try scratch.file("README", "scratch")
    let parts = (0..<2).map { scratch.path("p\($0).safetensors") }
    for (i, p) in parts.enumerated() {
      #expect(try runDeltaH(["compare", a, b, "--temperature", "1.1", "--shard", "\(i)/2", "--partial", p]).status == 0)
    }
    let merged = try runDeltaH(["merge"] + parts + ["--json"])
    let whole = try runDeltaH(["compare", a, b, "--temperature", "1.1", "--json"])
    #expect(merged.status == 0, "\(merged.standardError)")
    #expect((try merged.jsonObject())["temperature_source"] as? String == "flag")
    #expect(merged.standardOutput == whole.standardOutput)
  }
}
