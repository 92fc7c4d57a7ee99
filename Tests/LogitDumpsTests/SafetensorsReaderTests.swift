// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

@Suite struct SafetensorsReaderTests {
  let folder = TemporaryFolder()

  @Test func readsEveryElementTypeWithMetadata() throws {
    let f32 = (0..<12).map { Float($0) * 0.25 - 3 }
    let i64: [Int64] = [-5, 0, 7, Int64.max]
    let path = folder.write(
      "all.safetensors",
      safetensors(
        [
          ("logits", "F32", [3, 4], bytes(f32)),
          ("ids", "I64", [4], bytes(i64)),
          ("f64", "F64", [2], bytes([1.5, -2.25])),
          ("bf16", "BF16", [2], bytes([UInt16(0x3FC0), 0xC000])),  // 1.5, -2
          ("f16", "F16", [3], bytes([UInt16(0x3C00), 0x0001, 0xFC00])),  // 1, 2^-24, -inf
          ("i32", "I32", [2], bytes([Int32(-7), 9])),
          ("i16", "I16", [1], bytes([Int16(-300)])),
          ("i8", "I8", [2], [0xFF, 0x05]),
          ("u16", "U16", [1], bytes([UInt16(65535)])),
          ("u32", "U32", [1], bytes([UInt32(4_000_000_000)])),
          ("u64", "U64", [1], bytes([UInt64(1) << 40])),
          ("mask", "BOOL", [3], [1, 0, 2]),
          ("u8", "U8", [2], [0, 200]),
          ("scalar", "F32", [], bytes([Float(42)])),
          ("empty", "F32", [0, 5], []),
        ], metadata: ["temperature": "0.7", "format": "pt"]))
    let archive = try TensorArchive(path: path)
    #expect(archive.format == .safetensors)
    #expect(archive.metadata == ["temperature": "0.7", "format": "pt"])
    #expect(archive.tensors.map(\.name).first == "logits")

    let logits = try #require(archive["logits"])
    #expect(logits.shape == [3, 4] && logits.rowCount == 3 && logits.rowLength == 4 && logits.isMapped)
    #expect(try logits.doubles() == (0..<12).map { Double($0) * 0.25 - 3 })
    let row2 = try logits.withRows(2..<3) { raw in (0..<4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    #expect(row2 == [-1, -0.75, -0.5, -0.25])

    #expect(try archive["ids"]!.int64s() == i64)
    #expect(try archive["f64"]!.doubles() == [1.5, -2.25])
    #expect(try archive["bf16"]!.doubles() == [1.5, -2])
    #expect(try archive["f16"]!.doubles() == [1, 0x1p-24, -.infinity])
    #expect(try archive["i32"]!.int64s() == [-7, 9])
    #expect(try archive["i16"]!.int64s() == [-300])
    #expect(try archive["i8"]!.int64s() == [-1, 5])
    #expect(try archive["u16"]!.int64s() == [65535])
    #expect(try archive["u32"]!.int64s() == [4_000_000_000])
    #expect(try archive["u64"]!.int64s() == [1 << 40])
    #expect(try archive["mask"]!.bools() == [true, false, true])
    #expect(try archive["u8"]!.bools() == [false, true])
    #expect(try archive["u8"]!.int64s() == [0, 200])
    #expect(try archive["scalar"]!.doubles() == [42])
    #expect(archive["scalar"]!.rowCount == 1)
    #expect(try archive["empty"]!.doubles() == [])
  }

  @Test func chunksCoverAllRowsInOrder() throws {
    let values = (0..<70).map { Float($0) }
    let path = folder.write("c.safetensors", safetensors([("x", "F32", [10, 7], bytes(values))]))
    let x = try #require(try TensorArchive(path: path)["x"])
    var ranges: [Range<Int>] = []
    var seen: [Float] = []
    try x.forEachRowChunk(rowsPerChunk: 3) { rows, raw in
      ranges.append(rows)
      #expect(raw.count == rows.count * 28)
      var out = [Float](repeating: 0, count: rows.count * 7)
      out.withUnsafeMutableBufferPointer { ElementType.f32.loadFloats(from: raw, into: $0) }
      seen += out
    }
    #expect(ranges == [0..<3, 3..<6, 6..<9, 9..<10])
    #expect(seen == values)
  }

  @Test func unalignedDataIsReadable() throws {
    // Header of odd length (no padding): the F32 data starts at an odd file offset.
    let header = "{" + entry("x", "F32", [2], 0, 8) + "}"
    var padded = header
    while (8 + padded.utf8.count) % 8 != 3 { padded += " " }
    let path = folder.write("u.safetensors", safetensors(header: padded, data: bytes([Float(1.25), -8]), pad: false))
    #expect(try TensorArchive(path: path)["x"]!.doubles() == [1.25, -8])
  }

  @Test func allowsHolesBetweenTensors() throws {
    let header = "{" + entry("a", "U8", [2], 0, 2) + "," + entry("b", "U8", [2], 6, 8) + "}"
    let path = folder.write("hole.safetensors", safetensors(header: header, data: [1, 2, 9, 9, 9, 9, 3, 4]))
    let archive = try TensorArchive(path: path)
    #expect(try archive["a"]!.int64s() == [1, 2])
    #expect(try archive["b"]!.int64s() == [3, 4])
  }

  // MARK: Malformed files

  @Test func emptyFile() {
    let path = folder.write("empty.safetensors", [])
    expectDumpError(file: "empty.safetensors", tensor: .some(nil), problem: ["empty"]) { _ = try TensorArchive(path: path) }
  }

  @Test func missingFile() {
    expectDumpError(file: "nope.safetensors", problem: ["No such file"]) { _ = try TensorArchive(path: folder.path + "/nope.safetensors") }
  }

  @Test func truncatedBeforeHeaderLength() {
    let path = folder.write("t.safetensors", [8, 0, 0])
    expectDumpError(file: "t.safetensors", problem: ["too short", "truncated"]) { _ = try TensorArchive(path: path) }
  }

  @Test func headerLengthPastEnd() {
    let path = folder.write("h.safetensors", le(UInt64(500)) + Array("{}".utf8))
    expectDumpError(file: "h.safetensors", problem: ["header length 500", "past the end", "10 bytes"]) { _ = try TensorArchive(path: path) }
  }

  @Test func headerLengthAboveLimit() {
    let path = folder.write("big.safetensors", le(UInt64(200_000_000)) + Array("{}".utf8))
    expectDumpError(file: "big.safetensors", problem: ["exceeds", "100000000"]) { _ = try TensorArchive(path: path) }
  }

  @Test func invalidJSON() {
    let path = folder.write("j.safetensors", safetensors(header: "{\"x\": {\"dtype\": \"F32\",}", data: []))
    expectDumpError(file: "j.safetensors", problem: ["not valid JSON"]) { _ = try TensorArchive(path: path) }
    let notBrace = folder.write("k.safetensors", safetensors(header: "[1, 2]", data: []))
    expectDumpError(file: "k.safetensors", problem: ["does not start with '{'"]) { _ = try TensorArchive(path: notBrace) }
  }

  @Test func deeplyNestedJSONIsRejectedNotOverflowed() {
    let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
    let path = folder.write("deep.safetensors", safetensors(header: deep, data: []))
    expectDumpError(file: "deep.safetensors", problem: ["nesting deeper"]) { _ = try TensorArchive(path: path) }
  }

  @Test func nonObjectEntry() {
    let path = folder.write("n.safetensors", safetensors(header: "{\"x\": [1,2]}", data: []))
    expectDumpError(file: "n.safetensors", tensor: "x", problem: ["an array", "expected an object"]) { _ = try TensorArchive(path: path) }
  }

  @Test func unknownAndUnsupportedDtypes() {
    let a = folder.write("d1.safetensors", safetensors(header: "{" + entry("x", "F33", [1], 0, 4) + "}", data: [0, 0, 0, 0]))
    expectDumpError(file: "d1.safetensors", tensor: "x", problem: ["unknown dtype 'F33'"]) { _ = try TensorArchive(path: a) }
    let b = folder.write("d2.safetensors", safetensors(header: "{" + entry("x", "F8_E4M3", [1], 0, 1) + "}", data: [0]))
    expectDumpError(file: "d2.safetensors", tensor: "x", problem: ["F8_E4M3", "not supported"]) { _ = try TensorArchive(path: b) }
  }

  @Test func badShapeAndOffsets() {
    let shape = folder.write("s.safetensors", safetensors(header: "{\"x\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", data: []))
    expectDumpError(file: "s.safetensors", tensor: "x", problem: ["'shape'", "non-negative"]) { _ = try TensorArchive(path: shape) }
    let three = folder.write("o3.safetensors", safetensors(header: "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", data: [1, 2]))
    expectDumpError(file: "o3.safetensors", tensor: "x", problem: ["'data_offsets'", "two"]) { _ = try TensorArchive(path: three) }
    let float = folder.write("of.safetensors", safetensors(header: "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1.0]}}", data: [1]))
    expectDumpError(file: "of.safetensors", tensor: "x", problem: ["'data_offsets'"]) { _ = try TensorArchive(path: float) }
    let missing = folder.write("m.safetensors", safetensors(header: "{\"x\":{\"dtype\":\"U8\",\"shape\":[1]}}", data: [1]))
    expectDumpError(file: "m.safetensors", tensor: "x", problem: ["missing 'data_offsets'"]) { _ = try TensorArchive(path: missing) }
  }

  @Test func beginAfterEnd() {
    let path = folder.write("be.safetensors", safetensors(header: "{" + entry("x", "U8", [1], 3, 2) + "}", data: [1, 2, 3, 4]))
    expectDumpError(file: "be.safetensors", tensor: "x", problem: ["[3, 2]", "begin is after end"]) { _ = try TensorArchive(path: path) }
  }

  @Test func endPastBuffer() {
    let path = folder.write("ep.safetensors", safetensors(header: "{" + entry("x", "F32", [4], 0, 16) + "}", data: bytes([Float(1), 2])))
    expectDumpError(file: "ep.safetensors", tensor: "x", problem: ["[0, 16]", "past the end of the data buffer (8 bytes"]) { _ = try TensorArchive(path: path) }
  }

  @Test func byteCountMismatch() {
    let path = folder.write("x.safetensors", safetensors(header: "{" + entry("logits", "F32", [3, 10], 0, 100) + "}", data: [UInt8](repeating: 0, count: 100)))
    let error = expectDumpError(file: "x.safetensors", tensor: "logits", problem: ["byte count 100 does not match dtype F32 × shape [3, 10] (120 bytes)"]) {
      _ = try TensorArchive(path: path)
    }
    #expect(error?.description == "\(path): tensor 'logits': byte count 100 does not match dtype F32 × shape [3, 10] (120 bytes)")
  }

  @Test func overlappingTensors() {
    let header = "{" + entry("a", "F32", [2], 0, 8) + "," + entry("b", "F32", [2], 4, 12) + "}"
    let path = folder.write("ov.safetensors", safetensors(header: header, data: [UInt8](repeating: 0, count: 12)))
    expectDumpError(file: "ov.safetensors", tensor: "b", problem: ["overlap", "'a'", "[0, 8]"]) { _ = try TensorArchive(path: path) }
  }

  @Test func duplicateKeys() {
    let header = "{" + entry("a", "U8", [1], 0, 1) + "," + entry("a", "U8", [1], 1, 2) + "}"
    let path = folder.write("dup.safetensors", safetensors(header: header, data: [1, 2]))
    expectDumpError(file: "dup.safetensors", problem: ["duplicate key \"a\""]) { _ = try TensorArchive(path: path) }
  }

  @Test func metadataMustBeStrings() {
    let path = folder.write("md.safetensors", safetensors(header: "{\"__metadata__\":{\"step\":3}}", data: []))
    expectDumpError(file: "md.safetensors", problem: ["__metadata__", "'step'", "only strings"]) { _ = try TensorArchive(path: path) }
  }

  @Test func randomAccessOnMappedStorageMatchesStreaming() throws {
    let values = (0..<40).map { Double($0) / 8 }
    let path = folder.write("r.safetensors", safetensors([("x", "F64", [8, 5], bytes(values))]))
    let x = try #require(try TensorArchive(path: path)["x"])
    for start in 0..<8 {
      let got = try x.withRows(start..<min(start + 3, 8)) { raw in (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } }
      #expect(got == Array(values[(start * 5)..<(min(start + 3, 8) * 5)]))
    }
  }
}
