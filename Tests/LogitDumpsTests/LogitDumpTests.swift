// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

@Suite struct LogitDumpTests {
  let folder = TemporaryFolder()

  /// A [B=2, T=3, V=4] dump with everything in it.
  func fullDump(_ extra: [(name: String, dtype: String, shape: [Int], data: [UInt8])] = [], metadata: [String: String] = [:]) -> [(name: String, dtype: String, shape: [Int], data: [UInt8])] {
    [
      ("logits", "BF16", [2, 3, 4], bytes((0..<24).map { UInt16(Float($0 - 12).bitPattern >> 16) })),
      ("token_ids", "I64", [2, 3], bytes([Int64](0..<6))),
      ("advantages", "F32", [2, 3], bytes([Float(1), 1, 1, -1, -1, -1])),
      ("mask", "U8", [2, 3], [1, 1, 0, 1, 1, 1]),
      ("old_logprobs", "F32", [2, 3], bytes([Float](repeating: -1, count: 6))),
      ("entropy", "F16", [2, 3], bytes([UInt16](repeating: 0x3800, count: 6))),
      ("group_ids", "I32", [2, 3], bytes([Int32](repeating: 0, count: 6))),
      ("topk_logprobs", "F32", [2, 3, 2], bytes([Float](repeating: -0.5, count: 12))),
      ("topk_ids", "I32", [2, 3, 2], bytes([Int32](0..<12))),
    ] + extra
  }

  @Test func opensAFullDump() throws {
    let path = folder.write("full.safetensors", safetensors(fullDump(), metadata: ["temperature": "0.6", "step": "120", "lr": "1e-6"]))
    let dump = try LogitDump(path: path)
    #expect(dump.positionShape == [2, 3] && dump.positionCount == 6)
    #expect(dump.vocabularySize == 4 && dump.topK == 2)
    #expect(dump.temperature == 0.6 && dump.step == 120 && dump.learningRate == 1e-6)
    try dump.validate(requiring: [.logits, .tokenIds, .advantages, .mask, .entropy, .topkIds])
    let logits = try #require(dump[.logits])
    #expect(logits.rowCount == 6 && logits.rowLength == 4)
    #expect(try logits.doubles() == (0..<24).map { Double($0 - 12) })
    let ids = try #require(dump[.tokenIds])
    #expect(ids.rowCount == 6 && ids.rowLength == 1)
    #expect(try dump[.mask]!.bools() == [true, true, false, true, true, true])
    #expect(try dump[.entropy]!.doubles() == [Double](repeating: 0.5, count: 6))
    #expect(dump[.topkIds]!.rowCount == 6 && dump[.topkIds]!.rowLength == 2)
  }

  @Test func defaultsWithoutMetadata() throws {
    let path = folder.write("m.safetensors", safetensors([("token_ids", "I64", [3], bytes([Int64](0..<3))), ("advantages", "F64", [3], bytes([0.5, 0, -0.5]))]))
    let dump = try LogitDump(path: path)
    #expect(dump.temperature == 1 && dump.step == nil && dump.learningRate == nil)
    #expect(dump.positionShape == [3] && dump.vocabularySize == nil)
    try dump.validate(requiring: [.tokenIds, .advantages])
  }

  @Test func verlAliases() throws {
    let path = folder.write("verl.safetensors", safetensors([
      ("responses", "I64", [2, 2], bytes([Int64](0..<4))),
      ("advantages", "F32", [2, 2], bytes([Float](repeating: 1, count: 4))),
      ("response_mask", "I64", [2, 2], bytes([Int64(1), 1, 1, 0])),
      ("old_log_probs", "F32", [2, 2], bytes([Float](repeating: -2, count: 4))),
      ("log_probs", "F32", [2, 2], bytes([Float](repeating: -3, count: 4))),
      ("entropys", "F32", [2, 2], bytes([Float](repeating: 0.25, count: 4))),
    ]))
    let dump = try LogitDump(path: path)
    #expect(try dump[.tokenIds]!.int64s() == [0, 1, 2, 3])
    #expect(try dump[.mask]!.bools() == [true, true, true, false])
    #expect(try dump[.oldLogprobs]!.doubles() == [-2, -2, -2, -2])
    #expect(try dump[.logprobs]!.doubles() == [-3, -3, -3, -3])
    #expect(try dump[.entropy]!.doubles() == [0.25, 0.25, 0.25, 0.25])
  }

  @Test func aliasAndCanonicalNameTogether() {
    let path = folder.write("both.safetensors", safetensors([
      ("token_ids", "I64", [2], bytes([Int64](0..<2))), ("responses", "I64", [2], bytes([Int64](0..<2))),
    ]))
    expectDumpError(file: "both.safetensors", tensor: "responses", problem: ["'token_ids'", "'responses'", "same field"]) { _ = try LogitDump(path: path) }
  }

  @Test func missingRequiredTensor() throws {
    let path = folder.write("req.safetensors", safetensors([("advantages", "F32", [2], bytes([Float(1), 2]))]))
    let dump = try LogitDump(path: path)
    try dump.validate(requiring: [.advantages])
    expectDumpError(file: "req.safetensors", tensor: "token_ids", problem: ["required tensor is missing", "'responses'"]) {
      try dump.validate(requiring: [.advantages, .tokenIds])
    }
  }

  @Test func mismatchedPositionShapes() {
    let path = folder.write("pos.safetensors", safetensors(fullDump().map { $0.name == "advantages" ? ("advantages", "F32", [2, 2], bytes([Float](repeating: 0, count: 4))) : $0 }))
    expectDumpError(file: "pos.safetensors", tensor: "advantages", problem: ["[2, 2]", "position shape [2, 3]", "'logits' [2, 3, 4]"]) { _ = try LogitDump(path: path) }
  }

  @Test func flatVersusBatchedShapeIsAMismatch() {
    let path = folder.write("flat.safetensors", safetensors([
      ("token_ids", "I64", [2, 3], bytes([Int64](0..<6))), ("advantages", "F32", [6], bytes([Float](repeating: 0, count: 6))),
    ]))
    expectDumpError(file: "flat.safetensors", tensor: "advantages", problem: ["shape [6]", "position shape [2, 3]", "'token_ids'"]) { _ = try LogitDump(path: path) }
  }

  @Test func emptyBatch() {
    let path = folder.write("e.safetensors", safetensors([("logits", "F32", [0, 8], []), ("token_ids", "I64", [0], [])]))
    expectDumpError(file: "e.safetensors", tensor: "logits", problem: ["empty batch"]) { _ = try LogitDump(path: path) }
  }

  @Test func wrongElementTypesAndRanks() {
    let a = folder.write("t1.safetensors", safetensors([("token_ids", "F32", [2], bytes([Float(1), 2]))]))
    expectDumpError(file: "t1.safetensors", tensor: "token_ids", problem: ["element type F32", "integer"]) { _ = try LogitDump(path: a) }
    let b = folder.write("t2.safetensors", safetensors([("logits", "I64", [1, 2], bytes([Int64(1), 2]))]))
    expectDumpError(file: "t2.safetensors", tensor: "logits", problem: ["element type I64", "floating-point"]) { _ = try LogitDump(path: b) }
    let c = folder.write("t3.safetensors", safetensors([("logits", "F32", [2], bytes([Float(1), 2]))]))
    expectDumpError(file: "t3.safetensors", tensor: "logits", problem: ["rank 1", "[N, k] or [B, T, k]"]) { _ = try LogitDump(path: c) }
    let d = folder.write("t4.safetensors", safetensors([("mask", "F32", [1], bytes([Float(1)]))]))
    expectDumpError(file: "t4.safetensors", tensor: "mask", problem: ["BOOL, U8"]) { _ = try LogitDump(path: d) }
  }

  @Test func topkNeedsBothHalves() {
    let path = folder.write("tk.safetensors", safetensors([
      ("token_ids", "I64", [2], bytes([Int64](0..<2))), ("topk_ids", "I64", [2, 5], bytes([Int64](0..<10))),
    ]))
    expectDumpError(file: "tk.safetensors", tensor: "topk_ids", problem: ["without 'topk_logprobs'"]) { _ = try LogitDump(path: path) }
  }

  @Test func badMetadata() {
    let t = folder.write("temp.safetensors", safetensors(fullDump(), metadata: ["temperature": "0"]))
    expectDumpError(file: "temp.safetensors", problem: ["'temperature'", "positive"]) { _ = try LogitDump(path: t) }
    let s = folder.write("step.safetensors", safetensors(fullDump(), metadata: ["step": "twelve"]))
    expectDumpError(file: "step.safetensors", problem: ["'step'", "integer"]) { _ = try LogitDump(path: s) }
  }

  @Test func noContractTensors() {
    let path = folder.write("none.safetensors", safetensors([("weights", "F32", [1], bytes([Float(1)]))]))
    expectDumpError(file: "none.safetensors", problem: ["no dump tensors"]) { _ = try LogitDump(path: path) }
  }

  @Test func npzDumpWithSidecarMetadata() throws {
    let path = folder.write("step_3.npz", zip([
      ZipMember(name: "logits.npy", data: npy(descr: "<f2", shape: "(2, 3)", data: bytes([UInt16](repeating: 0x3C00, count: 6))), method: 8),
      ZipMember(name: "responses.npy", data: npy(descr: "<i8", shape: "(2,)", data: bytes([Int64(5), 6])), method: 0),
      ZipMember(name: "advantages.npy", data: npy(descr: "<f4", shape: "(2,)", data: bytes([Float(0.5), -0.5])), method: 8),
    ]))
    folder.write("step_3.metadata.json", text: "{\"temperature\": 0.8, \"step\": 3}")
    let dump = try LogitDump(path: path)
    #expect(dump.temperature == 0.8 && dump.step == 3 && dump.positionShape == [2])
    #expect(try dump[.logits]!.doubles() == [1, 1, 1, 1, 1, 1])
    #expect(try dump[.tokenIds]!.int64s() == [5, 6])
  }
}
