// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import DumpAnalysis
import LogitDumps

/// A top-k row whose probabilities sum above 1 beyond the rounding of its stored dtype is refused,
/// naming the tensor and the position. Before, it only added a warning while its "bounds" were
/// printed with exit 0: the tail mass was clamped to 0, so lower = upper = −Σ p ln p claimed the
/// entropy exactly, and a row of logits stored as log-probabilities gave a negative lower bound
/// (−3.70 nats mean on a 4-position dump with one such row).
@Suite("top-k rows summing above 1")
struct TopKMassTests {
  let fixtures = DumpFixtures()

  /// τ = max(1e-4, 2u·max(1, ln k)); the values are the formula's, computed by hand:
  /// 2·2⁻⁸·ln 20 = 0.0234042, 2·2⁻¹¹·ln 20 = 0.00292552, 2·2⁻⁸ = 0.0078125 (k = 1, 2: ln k < 1).
  @Test func toleranceFollowsTheStoredType() {
    #expect(abs(TopKEntropyBounds.massTolerance(storedAs: .bf16, k: 20) - 0.0234042) < 1e-7)
    #expect(abs(TopKEntropyBounds.massTolerance(storedAs: .f16, k: 20) - 0.00292552) < 1e-8)
    #expect(TopKEntropyBounds.massTolerance(storedAs: .bf16, k: 2) == 0.0078125)
    #expect(TopKEntropyBounds.massTolerance(storedAs: .f32, k: 20) == 1e-4)
    #expect(TopKEntropyBounds.massTolerance(storedAs: .f64, k: 1000) == 1e-4)
  }

  /// Row `bad` holds e^−0.1 twice (Σ = 1.81), every other row e^−1 twice (Σ = 0.74).
  func dump(badRow bad: Int) throws -> (LogitDump, DumpFixtures.Batch) {
    let batch = DumpFixtures.randomBatch(b: 2, t: 3, v: 8, seed: 8)
    var values = [Double](repeating: -1, count: 12)
    values[2 * bad] = -0.1
    values[2 * bad + 1] = -0.1
    let path = try fixtures.write(batch, name: "topk-mass-\(bad).safetensors") { w in
      w.add("topk_logprobs", values, shape: [2, 3, 2])
      w.add("topk_ids", (0..<12).map { Int64($0 % 2) }, shape: [2, 3, 2])
    }
    return (try LogitDump(path: path), batch)
  }

  @Test func aValidRowAboveOneIsRefusedNamingTensorAndPosition() throws {
    let (dump, batch) = try dump(badRow: 1)
    #expect(batch.mask[1] == 1)
    do {
      _ = try PositionTable(dump: dump, temperature: 1)
      Issue.record("a top-k row summing to 1.81 was accepted")
    } catch {
      #expect(error.tensor == "topk_logprobs" && error.problem.contains("at position 1 sum to 1.8") && error.problem.contains("F64"), "\(error)")
    }
    // A shard that does not hold the row reads.
    #expect(try PositionTable(dump: dump, temperature: 1, range: 3..<6).topKBounds != nil)
  }

  @Test func aMaskedRowIsNotChecked() throws {
    let (dump, batch) = try dump(badRow: 2)
    #expect(batch.mask[2] == 0)  // the fixture masks position t − 1
    let table = try PositionTable(dump: dump, temperature: 1)
    #expect(table.topKBounds?.tailMass[0] ?? 0 > 0)
  }

  /// The bytes of an [N = 2] top-k dump (k = 2, V = 10): `topk_logprobs` as `dtype` from `bytes`,
  /// token ids, advantages and `topk_ids` (0, 1 per position).
  func rawDump(_ name: String, dtype: String, bytes: [UInt8]) throws -> String {
    let header = #"{"__metadata__":{"vocab_size":"10"},"topk_logprobs":{"dtype":"\#(dtype)","shape":[2,2],"data_offsets":[0,\#(bytes.count)]},"token_ids":{"dtype":"I64","shape":[2],"data_offsets":[\#(bytes.count),\#(bytes.count + 16)]},"advantages":{"dtype":"F64","shape":[2],"data_offsets":[\#(bytes.count + 16),\#(bytes.count + 32)]},"topk_ids":{"dtype":"I64","shape":[2,2],"data_offsets":[\#(bytes.count + 32),\#(bytes.count + 64)]}}"#
    var out = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8) + bytes
    for id in [Int64(0), 1] { out += withUnsafeBytes(of: id.littleEndian, Array.init) }
    for a in [1.0, -1.0] { out += withUnsafeBytes(of: a.bitPattern.littleEndian, Array.init) }
    for id in [Int64(0), 1, 0, 1] { out += withUnsafeBytes(of: id.littleEndian, Array.init) }
    let path = fixtures.path(name)
    try Data(out).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The same values, Σ p ≈ 1.004 (0.6 + 0.404, BF16-rounded), are within BF16's tolerance (0.0078 for
  /// k = 2) but beyond F32's (10⁻⁴): a BF16 row reads (tail 0, lower = upper), an F32 row is refused.
  @Test func theToleranceIsTheStoredTypes() throws {
    let values: [Float] = [Float(Double.log(0.6)), Float(Double.log(0.404)), Float(Double.log(0.6)), Float(Double.log(0.3))]
    let bf16 = values.flatMap { f -> [UInt8] in
      let b = f.bitPattern
      let r = UInt16((b + 0x7FFF + ((b >> 16) & 1)) >> 16)
      return withUnsafeBytes(of: r.littleEndian, Array.init)
    }
    let bfPath = try rawDump("bf16.safetensors", dtype: "BF16", bytes: bf16)
    let bfDump = try LogitDump(path: bfPath)
    let stored = try #require(bfDump[.topkLogprobs]).doubles()
    let mass = Double.exp(stored[0]) + Double.exp(stored[1])
    try #require(mass > 1 + 1e-4 && mass < 1 + TopKEntropyBounds.massTolerance(storedAs: .bf16, k: 2), "\(mass)")
    let bounds = try #require(try PositionTable(dump: bfDump, temperature: 1).topKBounds)
    #expect(bounds.tailMass[0] == 0 && bounds.lower[0] == bounds.upper?[0] && bounds.lower[0] > 0)

    let f32 = stored.flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
    let f32Dump = try LogitDump(path: try rawDump("f32.safetensors", dtype: "F32", bytes: f32))
    #expect { _ = try PositionTable(dump: f32Dump, temperature: 1) } throws: { error in
      let e = error as? DumpError
      return e?.tensor == "topk_logprobs" && e?.problem.contains("at position 0") == true && e?.problem.contains("F32") == true
    }
  }

  /// Before: a hand-edited partial with a negative top-k tail mass was merged into a negative
  /// `tail_mass_mean`.
  @Test func aPartialsTailMassOutsideTheUnitIntervalIsRefused() throws {
    let (dump, _) = try dump(badRow: 2)  // row 2 is masked: the dump reads
    let good = fixtures.path("topk-partial.safetensors")
    try DumpPipeline.partial(dump, settings: DumpAnalysisSettings(), shard: (0, 1), range: 0..<dump.positionCount).write(to: good)
    _ = try AnalysisPartial(path: good)
    let archive = try TensorArchive(path: good)
    var w = SafetensorsWriter(metadata: archive.metadata)
    for t in archive.tensors {
      switch t.elementType {
      case .f64:
        var v = try t.doubles()
        if t.name == "topk_tail_mass" { v[0] = -0.5 }
        w.add(t.name, v, shape: t.shape)
      case .i64: w.add(t.name, try t.int64s(), shape: t.shape)
      default: w.add(t.name, try t.bools().map { $0 ? UInt8(1) : 0 }, shape: t.shape)
      }
    }
    let bad = fixtures.path("topk-partial-bad.safetensors")
    try w.write(to: bad)
    #expect { _ = try AnalysisPartial(path: bad) } throws: { error in
      let e = error as? DumpError
      return e?.file == bad && e?.tensor == "topk_tail_mass" && e?.problem.contains("position 0 is -0.5") == true
    }
  }
}
