// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

@Suite struct NpzReaderTests {
  let folder = TemporaryFolder()

  func member(_ name: String, _ bytes: [UInt8], deflate: Bool) -> ZipMember {
    ZipMember(name: name, data: bytes, method: deflate ? 8 : 0)
  }

  @Test(arguments: [false, true])
  func storedAndDeflatedMembers(zip64End: Bool) throws {
    let logits = (0..<24).map { Float($0) * 0.5 - 4 }
    let path = folder.write(
      "d.npz",
      zip(
        [
          member("logits.npy", npy(descr: "<f4", shape: "(2, 3, 4)", data: bytes(logits)), deflate: false),
          member("token_ids.npy", npy(descr: "<i8", shape: "(2, 3)", data: bytes([Int64](0..<6))), deflate: true),
          member("readme.txt", Array("not a tensor".utf8), deflate: false),
        ], zip64End: zip64End))
    folder.write("d.metadata.json", text: "{\"step\": 7, \"lr\": 1e-6}")
    let archive = try TensorArchive(path: path)
    #expect(archive.format == .npz)
    #expect(archive.tensors.map(\.name) == ["logits", "token_ids"])
    #expect(archive.metadata == ["step": "7", "lr": "1e-6"])
    let l = try #require(archive["logits"])
    #expect(l.isMapped && l.rowCount == 6 && l.rowLength == 4)
    #expect(try l.doubles() == logits.map(Double.init))
    let ids = try #require(archive["token_ids"])
    #expect(!ids.isMapped)
    #expect(try ids.int64s() == [0, 1, 2, 3, 4, 5])
    expectDumpError(file: "d.npz", tensor: "token_ids", problem: ["DEFLATE", "forEachRowChunk"]) {
      _ = try ids.withRows(0..<1) { $0.count }
    }
  }

  @Test func zip64ExtraInCentralDirectory() throws {
    var m = member("x.npy", npy(descr: "<f8", shape: "(3,)", data: bytes([1.0, 2, 3])), deflate: true)
    m.zip64Central = true
    let path = folder.write("z64.npz", zip([m]))
    #expect(try TensorArchive(path: path)["x"]!.doubles() == [1, 2, 3])
  }

  @Test func localHeaderLengthsDifferFromCentralDirectory() throws {
    // zip64Local adds a 20-byte local extra that the central record lacks: the reader must skip
    // the local header's own lengths.
    var m = member("x.npy", npy(descr: "|u1", shape: "(3,)", data: [7, 8, 9]), deflate: false)
    m.zip64Local = true
    m.zip64Central = false
    let path = folder.write("lh.npz", zip([m]))
    #expect(try TensorArchive(path: path)["x"]!.int64s() == [7, 8, 9])
  }

  @Test func streamingDeliversSeveralChunksOfALargeDeflatedMember() throws {
    let rows = 1000, columns = 37
    let values = (0..<(rows * columns)).map { Float(($0 * 7919) % 1009) * 0.125 - 50 }
    let path = folder.write("big.npz", zip([member("logits.npy", npy(descr: "<f4", shape: "(\(rows), \(columns))", data: bytes(values)), deflate: true)]))
    let t = try #require(try TensorArchive(path: path)["logits"])
    #expect(!t.isMapped)
    var chunks: [Range<Int>] = []
    var got: [Float] = []
    var bufferAddresses: Set<Int> = []
    try t.forEachRowChunk(rowsPerChunk: 64) { range, raw in
      chunks.append(range)
      bufferAddresses.insert(Int(bitPattern: raw.baseAddress))
      var out = [Float](repeating: 0, count: range.count * columns)
      out.withUnsafeMutableBufferPointer { t.elementType.loadFloats(from: raw, into: $0) }
      got += out
    }
    #expect(chunks.count == 16)
    #expect(chunks.first == 0..<64 && chunks.last == 960..<1000)
    #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    #expect(bufferAddresses.count == 1, "one reusable buffer")
    #expect(got == values)
  }

  @Test func corruptDeflateStream() throws {
    let data = npy(descr: "<f4", shape: "(500,)", data: bytes((0..<500).map { Float($0) }))
    var compressed = rawDeflate(data)
    for i in 40..<min(80, compressed.count) { compressed[i] ^= 0x5A }
    var m = member("x.npy", data, deflate: true)
    m.payloadOverride = compressed
    let path = folder.write("corrupt.npz", zip([m]))
    expectDumpError(file: "corrupt.npz", tensor: "x", problem: ["deflate"]) {
      let t = try TensorArchive(path: path)
      _ = try t["x"]!.doubles()
    }
  }

  @Test func truncatedDeflateStream() {
    let data = npy(descr: "<f4", shape: "(500,)", data: bytes((0..<500).map { Float($0 % 13) }))
    var m = member("x.npy", data, deflate: true)
    let full = rawDeflate(data)
    m.payloadOverride = Array(full[0..<(full.count / 2)])
    let path = folder.write("trunc.npz", zip([m]))
    expectDumpError(file: "trunc.npz", tensor: "x", problem: ["truncated"]) {
      _ = try TensorArchive(path: path)["x"]!.doubles()
    }
  }

  @Test func crcMismatch() {
    var m = member("x.npy", npy(descr: "<f4", shape: "(3,)", data: bytes([Float(1), 2, 3])), deflate: true)
    m.crcOverride = 0xDEAD_BEEF
    let path = folder.write("crc.npz", zip([m]))
    expectDumpError(file: "crc.npz", tensor: "x", problem: ["CRC-32 mismatch", "deadbeef"]) {
      _ = try TensorArchive(path: path)["x"]!.doubles()
    }
  }

  @Test func badSignatures() {
    var good = zip([member("x.npy", npy(descr: "|u1", shape: "(1,)", data: [1]), deflate: false)])
    let cdAt = Int(good.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: good.count - 6, as: UInt32.self) })
    var badCentral = good
    badCentral[cdAt + 3] = 0x09
    let c = folder.write("badcentral.npz", badCentral)
    expectDumpError(file: "badcentral.npz", problem: ["bad signature", "central directory entry 0"]) { _ = try TensorArchive(path: c) }

    var noEnd = good
    noEnd[noEnd.count - 22 + 3] = 0x07
    let e = folder.write("noend.npz", noEnd)
    expectDumpError(file: "noend.npz", problem: ["not a ZIP archive", "PK\\x05\\x06"]) { _ = try TensorArchive(path: e) }

    // Point the central record's local-header offset at a non-header position.
    good[cdAt + 42] = 5
    let p = folder.write("badlocalptr.npz", good)
    expectDumpError(file: "badlocalptr.npz", problem: ["member 'x.npy'", "bad local header signature"]) { _ = try TensorArchive(path: p) }
  }

  @Test func unsupportedMethodAndDuplicates() {
    let m = ZipMember(name: "x.npy", data: npy(descr: "|u1", shape: "(1,)", data: [1]), method: 12, payloadOverride: [1, 2, 3])
    let path = folder.write("bz.npz", zip([m]))
    expectDumpError(file: "bz.npz", tensor: "x", problem: ["compression method 12"]) { _ = try TensorArchive(path: path) }
    let one = member("x.npy", npy(descr: "|u1", shape: "(1,)", data: [1]), deflate: false)
    let dup = folder.write("dup.npz", zip([one, one]))
    expectDumpError(file: "dup.npz", tensor: "x", problem: ["twice"]) { _ = try TensorArchive(path: dup) }
  }

  @Test func truncatedArchive() {
    let full = zip([member("x.npy", npy(descr: "<f8", shape: "(100,)", data: bytes((0..<100).map(Double.init))), deflate: false)])
    let path = folder.write("cut.npz", Array(full[0..<(full.count / 2)]))
    expectDumpError(file: "cut.npz", problem: ["not a ZIP archive"]) { _ = try TensorArchive(path: path) }
  }

  @Test func memberNpyErrorsNameArchiveAndTensor() {
    let path = folder.write("obj.npz", zip([member("objs.npy", npy(descr: "|O", shape: "(1,)", data: [0]), deflate: true)]))
    expectDumpError(file: "obj.npz", tensor: "objs", problem: ["object dtype"]) { _ = try TensorArchive(path: path) }
  }

  /// Regression (found while fuzzing): a zip64 locator in a file shorter than a zip64 end record
  /// made a size check trap on a negative bound.
  @Test func tinyArchiveWithZip64LocatorIsAnErrorNotATrap() {
    let locator = le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(0)) + le(UInt32(1))
    let end = le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16.max) + le(UInt16.max)
      + le(UInt32.max) + le(UInt32.max) + le(UInt16(0))
    let path = folder.write("tiny64.npz", [0x50, 0x4B, 0x03, 0x04] + locator + end)
    expectDumpError(file: "tiny64.npz", problem: ["zip64 end-of-central-directory offset points past the end"]) {
      _ = try TensorArchive(path: path)
    }
    #expect(_Npz.bounded(5, -1) == nil && _Npz.bounded(5, 5) == 5 && _Npz.bounded(6, 5) == nil)
  }
}
