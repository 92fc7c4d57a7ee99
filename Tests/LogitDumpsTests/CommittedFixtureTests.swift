// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

/// Files written by real numpy and the real `safetensors` package (see
/// `scripts/make-test-fixtures.py`). Expected values are re-derived here from the generating
/// formulas: grid(i) = i·0.25 − 3, ids(i) = 3i, adv(i) = 0.5i − 2, ramp(i) = Float(1 + i/1000).
@Suite struct CommittedFixtureTests {
  static let folder: String = {
    let here = #filePath
    return String(here[..<here.lastIndex(of: "/")!]) + "/Fixtures/"
  }()

  func grid(_ n: Int) -> [Double] { (0..<n).map { Double($0) * 0.25 - 3 } }

  /// bfloat16 bits of `x`, rounded to nearest with ties to even, by comparing the two
  /// neighbouring bf16 values' distances to `x` in Double.
  func bf16Nearest(_ x: Float) -> UInt16 {
    let down = UInt16(x.bitPattern >> 16)
    let up = down &+ 1
    let value = Double(x)
    let dDown = abs(Double(Float(bitPattern: UInt32(down) << 16)) - value)
    let dUp = abs(Double(Float(bitPattern: UInt32(up) << 16)) - value)
    if dDown != dUp { return dDown < dUp ? down : up }
    return down & 1 == 0 ? down : up
  }

  @Test func numpyV1AndV2Headers() throws {
    let v1 = try #require(try TensorArchive(path: Self.folder + "grid_f32_v1.npy")["grid_f32_v1"])
    #expect(v1.shape == [3, 4] && v1.elementType == .f32)
    #expect(try v1.doubles() == grid(12))
    let v2 = try #require(try TensorArchive(path: Self.folder + "ids_i64_v2.npy")["ids_i64_v2"])
    #expect(try v2.int64s() == (0..<6).map { Int64($0) * 3 })
  }

  @Test func numpyFortranOrder() throws {
    let oneD = try #require(try TensorArchive(path: Self.folder + "fortran_1d_f64.npy")["fortran_1d_f64"])
    #expect(try oneD.doubles() == grid(5))
    expectDumpError(file: "fortran_2d_f32.npy", tensor: "fortran_2d_f32", problem: ["fortran_order", "[3, 4]"]) {
      _ = try TensorArchive(path: Self.folder + "fortran_2d_f32.npy")
    }
  }

  @Test(arguments: ["dump_stored.npz", "dump_deflated.npz"])
  func numpyArchives(name: String) throws {
    let dump = try LogitDump(path: Self.folder + name)
    #expect(dump.positionShape == [2, 3] && dump.vocabularySize == 5)
    try dump.validate(requiring: [.logits, .tokenIds, .advantages, .mask])
    #expect(dump[.logits]!.isMapped == (name == "dump_stored.npz"))
    #expect(try dump[.logits]!.doubles() == grid(30))
    #expect(try dump[.tokenIds]!.int64s() == (0..<6).map { Int64($0) * 3 })
    #expect(try dump[.advantages]!.doubles() == (0..<6).map { Double($0) * 0.5 - 2 })
    #expect(try dump[.mask]!.bools() == [true, true, false, true, false, false])
    if name == "dump_deflated.npz" {
      #expect(dump.temperature == 0.5 && dump.step == 9)
      let big = try #require(dump.archive["big"])
      var chunks = 0
      var values: [Double] = []
      try big.forEachRowChunk(rowsPerChunk: 16) { rows, raw in
        chunks += 1
        values += (0..<(rows.count * 50)).map { Double(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self)) }
      }
      #expect(chunks == 13)
      #expect(values == grid(10_000))
    } else {
      #expect(dump.temperature == 1 && dump.step == nil)
    }
  }

  @Test func safetensorsLibraryFiles() throws {
    let dump = try LogitDump(path: Self.folder + "dump_f32.safetensors")
    #expect(dump.temperature == 0.7 && dump.step == 12 && dump.learningRate == 1e-6)
    #expect(try dump[.logits]!.doubles() == grid(30))
    #expect(try dump[.tokenIds]!.int64s() == (0..<6).map { Int64($0) * 3 })
    let f64 = try #require(try TensorArchive(path: Self.folder + "grid_f64.safetensors")["x"])
    #expect(f64.elementType == .f64 && f64.shape == [4, 3])
    #expect(try f64.doubles() == grid(12))
    let f16 = try #require(try TensorArchive(path: Self.folder + "grid_f16.safetensors")["x"])
    #expect(f16.elementType == .f16)
    #expect(try f16.doubles() == grid(12))
  }

  @Test(arguments: ["dump_bf16.safetensors", "dump_bf16.npz"])
  func bf16FromTheExportHelper(name: String) throws {
    let dump = try LogitDump(path: Self.folder + name)
    #expect(dump.temperature == 0.7 && dump.step == 5)
    let logits = try #require(dump[.logits])
    #expect(logits.elementType == .bf16 && logits.shape == [8, 8])
    var bits: [UInt16] = []
    try logits.forEachRowChunk(rowsPerChunk: 3) { _, raw in
      bits += (0..<(raw.count / 2)).map { raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self) }
    }
    let expected = (0..<64).map { bf16Nearest(Float(1 + Double($0) / 1000)) }
    #expect(bits == expected)
    #expect(Set(expected).count < 64, "the ramp really needs rounding")
    #expect(try dump[.tokenIds]!.int64s() == (0..<8).map { Int64($0) * 3 })
    #expect(try dump[.advantages]!.doubles() == (0..<8).map { Double($0) * 0.5 - 2 })
  }
}
