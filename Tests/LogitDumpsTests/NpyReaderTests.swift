// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

@Suite struct NpyReaderTests {
  let folder = TemporaryFolder()

  @Test(arguments: [UInt8(1), 2, 3])
  func headerVersions(version: UInt8) throws {
    let values = (0..<12).map { Float($0) * 0.25 - 3 }
    let path = folder.write("v\(version).npy", npy(descr: "<f4", shape: "(3, 4)", data: bytes(values), version: version))
    let archive = try TensorArchive(path: path)
    #expect(archive.format == .npy)
    let t = try #require(archive["v\(version)"])
    #expect(t.shape == [3, 4] && t.elementType == .f32)
    #expect(try t.doubles() == values.map(Double.init))
  }

  @Test func toleratesLongSuffixSpacingAndKeyOrder() throws {
    let path = folder.write("l.npy", npy(dict: "{ 'shape' : ( 2L ,3L ) ,'fortran_order':False,\"descr\" :'<i8' }", data: bytes([Int64](0..<6))))
    let t = try #require(try TensorArchive(path: path)["l"])
    #expect(t.shape == [2, 3])
    #expect(try t.int64s() == [0, 1, 2, 3, 4, 5])
  }

  @Test func scalarAndOneDimensional() throws {
    let s = folder.write("s.npy", npy(descr: "<f8", shape: "()", data: bytes([2.5])))
    let scalar = try #require(try TensorArchive(path: s)["s"])
    #expect(scalar.shape == [] && scalar.rowCount == 1)
    #expect(try scalar.doubles() == [2.5])
    let v = folder.write("v.npy", npy(descr: "<i4", shape: "(5,)", data: bytes([Int32](10..<15))))
    let vector = try #require(try TensorArchive(path: v)["v"])
    #expect(vector.shape == [5] && vector.rowCount == 5 && vector.rowLength == 1)
  }

  @Test func dtypeStrings() throws {
    let cases: [(String, [UInt8], ElementType)] = [
      ("<f2", bytes([UInt16(0x3C00)]), .f16), ("<f8", bytes([1.0]), .f64), ("<i2", bytes([Int16(1)]), .i16),
      ("|i1", [1], .i8), ("|u1", [1], .u8), ("<u2", bytes([UInt16(1)]), .u16), ("<u4", bytes([UInt32(1)]), .u32),
      ("<u8", bytes([UInt64(1)]), .u64), ("|b1", [1], .bool), ("=f4", bytes([Float(1)]), .f32),
      ("<V2", bytes([UInt16(0x3F80)]), .bf16), ("|V2", bytes([UInt16(0x3F80)]), .bf16), (">u1", [1], .u8),
    ]
    for (i, (descr, data, type)) in cases.enumerated() {
      let path = folder.write("t\(i).npy", npy(descr: descr, shape: "(1,)", data: data))
      let t = try #require(try TensorArchive(path: path)["t\(i)"])
      #expect(t.elementType == type, "\(descr)")
      #expect(try t.doubles() == [1], "\(descr)")
    }
  }

  @Test func fortranOrderOneDimensionalIsAccepted() throws {
    let path = folder.write("f.npy", npy(descr: "<f4", shape: "(4,)", data: bytes([Float(1), 2, 3, 4]), fortran: true))
    #expect(try TensorArchive(path: path)["f"]!.doubles() == [1, 2, 3, 4])
  }

  @Test func fortranOrderMatrixIsRejected() {
    let path = folder.write("fm.npy", npy(descr: "<f4", shape: "(2, 2)", data: bytes([Float(1), 2, 3, 4]), fortran: true))
    expectDumpError(file: "fm.npy", tensor: "fm", problem: ["fortran_order", "[2, 2]", "not supported"]) { _ = try TensorArchive(path: path) }
  }

  @Test func objectDtype() {
    let path = folder.write("o.npy", npy(descr: "|O", shape: "(2,)", data: [UInt8](repeating: 0, count: 16)))
    expectDumpError(file: "o.npy", tensor: "o", problem: ["object dtype", "pickled"]) { _ = try TensorArchive(path: path) }
  }

  @Test func structuredDtype() {
    let path = folder.write("st.npy", npy(dict: "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", data: [UInt8](repeating: 0, count: 16)))
    expectDumpError(file: "st.npy", tensor: "st", problem: ["structured dtype"]) { _ = try TensorArchive(path: path) }
  }

  @Test func bigEndianAndOtherDtypes() {
    let be = folder.write("be.npy", npy(descr: ">f4", shape: "(1,)", data: [0, 0, 0, 0]))
    expectDumpError(file: "be.npy", tensor: "be", problem: ["big-endian", "'>f4'"]) { _ = try TensorArchive(path: be) }
    let c = folder.write("c.npy", npy(descr: "<c8", shape: "(1,)", data: [UInt8](repeating: 0, count: 8)))
    expectDumpError(file: "c.npy", tensor: "c", problem: ["unsupported dtype '<c8'"]) { _ = try TensorArchive(path: c) }
  }

  @Test func truncatedAndTrailingData() {
    let t = folder.write("tr.npy", npy(descr: "<f4", shape: "(3, 4)", data: [UInt8](repeating: 0, count: 40)))
    expectDumpError(file: "tr.npy", tensor: "tr", problem: ["truncated", "40 bytes", "48"]) { _ = try TensorArchive(path: t) }
    let x = folder.write("tx.npy", npy(descr: "<f4", shape: "(2,)", data: [UInt8](repeating: 0, count: 9)))
    expectDumpError(file: "tx.npy", tensor: "tx", problem: ["trailing bytes", "9 bytes"]) { _ = try TensorArchive(path: x) }
    let header = Array(npy(descr: "<f4", shape: "(2,)", data: [])[0..<30])
    let h = folder.write("th.npy", header)
    expectDumpError(file: "th.npy", tensor: "th", problem: ["header length runs past"]) { _ = try TensorArchive(path: h) }
  }

  @Test func malformedHeaders() {
    let bad: [(String, String)] = [
      ("{'descr': '<f4', 'fortran_order': False}", "must contain"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"),
      ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "'fortran_order'"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "non-negative"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", "not a valid Python dict"),
      ("['descr']", "expected a dict"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999)}", "too large"),
    ]
    for (i, (dict, problem)) in bad.enumerated() {
      let path = folder.write("h\(i).npy", npy(dict: dict, data: []))
      expectDumpError(file: "h\(i).npy", tensor: "h\(i)", problem: [problem]) { _ = try TensorArchive(path: path) }
    }
    let version = folder.write("ver.npy", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0, 0, 0])
    expectDumpError(file: "ver.npy", problem: ["version 9.0"]) { _ = try TensorArchive(path: version) }
  }

  @Test func folderOfNpyFilesWithMetadata() throws {
    let sub = folder.path + "/dump"
    folder.write("dump/logits.npy", npy(descr: "<f4", shape: "(2, 3)", data: bytes((0..<6).map { Float($0) })))
    folder.write("dump/token_ids.npy", npy(descr: "<i8", shape: "(2,)", data: bytes([Int64(4), 5])))
    folder.write("dump/notes.txt", text: "ignored")
    folder.write("dump/metadata.json", text: "{\"temperature\": 0.6, \"step\": 12, \"run\": \"a\"}")
    let archive = try TensorArchive(path: sub)
    #expect(archive.format == .npyFolder)
    #expect(archive.tensors.map(\.name) == ["logits", "token_ids"])
    #expect(archive.metadata == ["temperature": "0.6", "step": "12", "run": "a"])
    #expect(try archive["token_ids"]!.int64s() == [4, 5])
  }

  @Test func folderErrors() {
    folder.write("emptydir/readme.txt", text: "x")
    expectDumpError(file: "emptydir", problem: ["no .npy files"]) { _ = try TensorArchive(path: folder.path + "/emptydir") }
    folder.write("badmeta/a.npy", npy(descr: "<f4", shape: "(1,)", data: bytes([Float(1)])))
    folder.write("badmeta/metadata.json", text: "{\"temperature\": [1]}")
    expectDumpError(file: "badmeta/metadata.json", problem: ["'temperature'", "strings or numbers"]) { _ = try TensorArchive(path: folder.path + "/badmeta") }
    folder.write("badnpy/a.npy", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expectDumpError(file: "badnpy/a.npy", tensor: "a", problem: ["magic"]) { _ = try TensorArchive(path: folder.path + "/badnpy") }
  }
}
