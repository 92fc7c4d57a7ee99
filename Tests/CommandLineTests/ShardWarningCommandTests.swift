// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `merge` of `analyze --shard i/n` partials is documented to equal the unsharded analysis. Before,
/// the temperature-override warning ("temperature 2.0 given on the command line; the dump's
/// metadata says 1.0") of `analyze DUMP --temperature 2` was lost on the way through the partials:
/// the merged JSON, table and stderr had every other warning but that one.
@Suite("Sharded analysis keeps the temperature-override warning")
struct ShardWarningCommandTests {
  @Test func mergedWarningsEqualTheUnshardedOnes() throws {
    let scratch = ScratchFolder("shard-temperature-warning")
    let dump = TrustworthyAnswersCommandTests.step(2)
    let whole = try runDeltaH(["analyze", dump, "--temperature", "2", "--json"])
    #expect(whole.status == 0)
    var partials: [String] = []
    for i in 0..<3 {
      let p = scratch.path("p\(i).part")
      #expect(try runDeltaH(["analyze", dump, "--temperature", "2", "--shard", "\(i)/3", "--partial", p]).status == 0)
      partials.append(p)
    }
    let merged = try runDeltaH(["merge"] + partials + ["--json"])
    #expect(merged.status == 0)
    let expected = try #require(try whole.jsonObject()["warnings"] as? [String])
    #expect(expected.last == "temperature 2.0 given on the command line; the dump's metadata says 1.0")
    #expect(try merged.jsonObject()["warnings"] as? [String] == expected)
    #expect(merged.standardError.contains("the dump's metadata says 1.0"))
    let table = try runDeltaH(["merge"] + partials)
    #expect(table.standardOutput.contains("warning: temperature 2.0 given on the command line; the dump's metadata says 1.0"))
  }
}
