// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import Testing
import LogitDumps

/// A position range or shard outside the dump is refused by the library. Before, `analyze` with a
/// range past the dump trapped (a precondition), `compare` with one crashed on an array index, and
/// `partial` wrote a shard 5/2 that only `merge` refused.
@Suite("position ranges and shards are validated by the library")
struct PositionRangeValidationTests {
  static let step1 = "data/sample/step_0001.safetensors"
  static let step2 = "data/sample/step_0002.safetensors"

  @Test func analyzeRefusesARangeOutsideTheDump() throws {
    let dump = try LogitDump(path: Self.step1)
    let n = dump.positionCount
    for range in [0..<(n + 5), -1..<3] {
      #expect { _ = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(), range: range) } throws: { error in
        "\(error)" == "\(Self.step1): the position range \(range) is outside the dump's \(n) positions (0..<\(n))"
      }
    }
    #expect(try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(), range: (n - 4)..<n).summary.positions == 4)
  }

  @Test func compareRefusesARangeOutsideTheDump() throws {
    let before = try LogitDump(path: Self.step1), after = try LogitDump(path: Self.step2)
    let n = before.positionCount
    #expect {
      _ = try DumpPipeline.compare(before: before, after: after, settings: ComparisonSettings(range: (n - 2)..<(n + 5)))
    } throws: { error in
      "\(error)" == "\(Self.step1): the position range \(n - 2)..<\(n + 5) is outside the dump's \(n) positions (0..<\(n))"
    }
  }

  @Test func aPartialOfAShardOutsideItsCountIsNotWritten() throws {
    let dump = try LogitDump(path: Self.step1)
    for shard in [(5, 2), (0, 0), (-1, 2)] {
      #expect {
        _ = try DumpPipeline.partial(dump, settings: DumpAnalysisSettings(), shard: shard, range: 0..<4)
      } throws: { error in
        ((error as? DumpError)?.underlying as? AnalysisSettingError)?.setting == "shard"
      }
    }
  }

  /// A compare partial with a shard outside its count is not written (before: it was written and
  /// only `merge` refused it).
  @Test func aComparePartialOfAShardOutsideItsCountIsNotWritten() throws {
    let before = try LogitDump(path: Self.step1), after = try LogitDump(path: Self.step2)
    let run = try DumpPipeline.compare(before: before, after: after, settings: ComparisonSettings(range: 0..<4))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("deltah-bad-shard-\(getpid()).part").path
    for shard in [(5, 2), (0, 0), (-1, 2)] {
      #expect(throws: DumpError.self) { try run.partial(shard: shard).write(to: path) }
      #expect(!FileManager.default.fileExists(atPath: path))
    }
  }
}
