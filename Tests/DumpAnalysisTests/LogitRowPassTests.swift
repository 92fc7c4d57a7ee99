// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import DumpAnalysis
import LogitDumps

/// The shared streaming driver (LogitRowPass): the sequential path for DEFLATE-compressed logits
/// must give exactly the numbers of the memory-mapped path, for one tensor (PositionTable), for a
/// shard of it, and for a pair in either orientation (CheckpointComparison). Per-row kernel results
/// do not depend on how rows are batched, so equality is exact (no tolerance).
@Suite("LogitRowPass: streamed and mapped rows give identical tables and comparisons")
struct LogitRowPassTests {
  static let fixtures = "Tests/LogitDumpsTests/Fixtures"
  /// [2, 5, 7] f32 logits N(0, 3²), tokens and advantages (numpy default_rng(12)), written by
  /// `np.savez_compressed` and `np.savez`: the same numbers, DEFLATE-streamed and memory-mapped.
  static let deflated = "\(fixtures)/rowpass_deflated.npz", stored = "\(fixtures)/rowpass_stored.npz"

  static func same(_ a: [Double]?, _ b: [Double]?) -> Bool {
    guard let a, let b, a.count == b.count else { return a == nil && b == nil }
    return zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
  }

  @Test(arguments: [nil, 3..<8] as [Range<Int>?])
  func positionTableStreamedEqualsMapped(range: Range<Int>?) throws {
    let streamed = try LogitDump(path: Self.deflated), mapped = try LogitDump(path: Self.stored)
    #expect(streamed[.logits]?.isMapped == false)
    #expect(mapped[.logits]?.isMapped == true)
    let x = try PositionTable(dump: streamed, temperature: 0.7, range: range)
    let y = try PositionTable(dump: mapped, temperature: 0.7, range: range)
    #expect(x.positions == y.positions)
    #expect(Self.same(x.entropy, y.entropy))
    #expect(Self.same(x.logProbability, y.logProbability))
    #expect(Self.same(x.sumSquaredProbabilities, y.sumSquaredProbabilities))
    #expect(Self.same(x.topTwoGap, y.topTwoGap))
  }

  /// A perturbed copy of the logits (mapped safetensors) against the compressed and the stored
  /// original, with the compressed dump first and second.
  @Test func comparisonStreamedEqualsMappedInBothOrientations() throws {
    let stored = try LogitDump(path: Self.stored)
    let logits = try #require(stored[.logits])
    let directory = NSTemporaryDirectory() + "deltah-rowpass-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var w = SafetensorsWriter()
    let z = try logits.doubles().enumerated().map { $1 + 0.3 * sin(Double($0)) }
    if logits.elementType == .f32 { w.add("logits", z.map { Float($0) }, shape: logits.shape) } else { w.add("logits", z, shape: logits.shape) }
    let path = directory + "/after.safetensors"
    try w.write(to: path)
    let after = try LogitDump(path: path)
    let streamed = try LogitDump(path: Self.deflated)
    for (s, m) in [
      (try CheckpointComparison(before: streamed, after: after, temperature: 1), try CheckpointComparison(before: stored, after: after, temperature: 1)),
      (try CheckpointComparison(before: after, after: streamed, temperature: 1), try CheckpointComparison(before: after, after: stored, temperature: 1)),
    ] {
      #expect(s.deltaActual.contains { $0 != 0 && !$0.isNaN })
      #expect(Self.same(s.deltaActual, m.deltaActual))
      #expect(Self.same(s.deltaFirstOrder, m.deltaFirstOrder))
      #expect(Self.same(s.exactKL, m.exactKL))
    }
  }
}
