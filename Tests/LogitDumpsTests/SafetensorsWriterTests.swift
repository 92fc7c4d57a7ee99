// DeltaH — entropy change of softmax policies.

import Foundation
import Testing

@testable import LogitDumps

@Suite struct SafetensorsWriterTests {
  let folder = TemporaryFolder()

  @Test func roundTripsThroughTheReader() throws {
    var writer = SafetensorsWriter(metadata: ["temperature": "0.7", "note": "quote \" and \\ and ü"])
    let entropy = (0..<6).map { Float($0) * 0.25 - 3 }
    writer.add("entropy", entropy, shape: [2, 3])
    writer.add("delta", [1e-300, -2.5, .pi], shape: [3])
    writer.add("token_ids", [Int64.min, 0, Int64.max], shape: [3])
    writer.add("mask", [UInt8(1), 0], shape: [2])
    writer.add("a_scalar", [Float(7)], shape: [])
    let path = folder.path + "/out.safetensors"
    try writer.write(to: path)
    #expect(folder.contents == ["out.safetensors"], "no temporary file left")

    let archive = try TensorArchive(path: path)
    #expect(archive.metadata == writer.metadata)
    // Documented order: descending element size, then name.
    #expect(archive.tensors.map(\.name) == ["delta", "token_ids", "a_scalar", "entropy", "mask"])
    #expect(try archive["entropy"]!.doubles() == entropy.map(Double.init))
    #expect(archive["entropy"]!.shape == [2, 3])
    #expect(try archive["delta"]!.doubles() == [1e-300, -2.5, .pi])
    #expect(try archive["token_ids"]!.int64s() == [Int64.min, 0, Int64.max])
    #expect(try archive["mask"]!.bools() == [true, false])
    #expect(try archive["a_scalar"]!.doubles() == [7])

    let file = try MappedFile(path: path)
    let (n, total) = file.withUnsafeBytes { (Int($0.loadUnaligned(as: UInt64.self)), $0.count) }
    #expect((8 + n) % 8 == 0)
    #expect(total == 8 + n + 3 * 8 + 3 * 8 + 4 + 6 * 4 + 2, "contiguous, no holes")
    // Every tensor starts naturally aligned in the file.
    for t in archive.tensors {
      guard case .mapped(_, let offset) = t.storage else { Issue.record("not mapped"); continue }
      #expect(offset % t.elementType.byteWidth == 0, "\(t.name)")
    }
  }

  @Test func invalidInputLeavesNothingBehind() throws {
    var duplicate = SafetensorsWriter()
    duplicate.add("x", [Float(1)], shape: [1])
    duplicate.add("x", [Float(2)], shape: [1])
    expectDumpError(file: "o.safetensors", tensor: "x", problem: ["added twice"]) { try duplicate.write(to: folder.path + "/o.safetensors") }

    var count = SafetensorsWriter()
    count.add("y", [Double](repeating: 0, count: 5), shape: [2, 3])
    expectDumpError(file: "o.safetensors", tensor: "y", problem: ["5 values", "[2, 3]", "6 elements"]) { try count.write(to: folder.path + "/o.safetensors") }

    var reserved = SafetensorsWriter()
    reserved.add("__metadata__", [UInt8(1)], shape: [1])
    expectDumpError(file: "o.safetensors", tensor: "__metadata__", problem: ["reserved"]) { try reserved.write(to: folder.path + "/o.safetensors") }

    var ok = SafetensorsWriter()
    ok.add("z", [Float(1)], shape: [1])
    #expect(folder.contents.isEmpty)
    // A missing folder is created (as `deltah report` always did), not reported as a failure to
    // create a temporary file.
    try ok.write(to: folder.path + "/missing/o.safetensors")
    #expect(folder.contents == ["missing"])
  }

  /// The writer's output for fixed inputs (formulas: e(i) = i·0.25 − 3, d(i) = i/8 − 1,
  /// ids(i) = 3i − 5, mask(i) = i mod 2) is committed as `Fixtures/swift_writer.safetensors`, which
  /// `python/tests/test_export.py` reads with the real `safetensors` library. Set
  /// `LOGITDUMPS_REGENERATE_FIXTURES=1` to rewrite it.
  static func referenceWriter() -> SafetensorsWriter {
    var w = SafetensorsWriter(metadata: ["temperature": "0.7", "producer": "deltah"])
    w.add("entropy", (0..<12).map { Float($0) * 0.25 - 3 }, shape: [3, 4])
    w.add("delta", (0..<12).map { Double($0) / 8 - 1 }, shape: [3, 4])
    w.add("token_ids", (0..<12).map { Int64($0) * 3 - 5 }, shape: [3, 4])
    w.add("mask", (0..<12).map { UInt8($0 % 2) }, shape: [3, 4])
    return w
  }

  @Test func matchesTheCommittedReferenceFile() throws {
    let committed = CommittedFixtureTests.folder + "swift_writer.safetensors"
    if ProcessInfoShim.environment("LOGITDUMPS_REGENERATE_FIXTURES") == "1" {
      try Self.referenceWriter().write(to: committed)
    }
    let path = folder.path + "/ref.safetensors"
    try Self.referenceWriter().write(to: path)
    let mine = try MappedFile(path: path).withUnsafeBytes { Array($0) }
    let theirs = try MappedFile(path: committed).withUnsafeBytes { Array($0) }
    #expect(mine == theirs)
  }

  @Test func replacesAnExistingFileAtomically() throws {
    let path = folder.write("r.safetensors", text: "old contents")
    var writer = SafetensorsWriter()
    writer.add("v", [Float(3), 4], shape: [2])
    try writer.write(to: path)
    #expect(try TensorArchive(path: path)["v"]!.doubles() == [3, 4])
    #expect(folder.contents == ["r.safetensors"])
  }
}

enum ProcessInfoShim {
  static func environment(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
}
