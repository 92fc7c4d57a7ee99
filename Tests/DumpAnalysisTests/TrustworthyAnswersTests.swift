// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import SoftmaxEntropy
import Testing
import _TestSupport

/// Regression tests of issue "Trustworthy answers": exact merges with provenance, validated
/// partials, named unknown tensors, impossible logged values, step ordering, mixed-type compare.
@Suite("Trustworthy answers: partials, warnings, series")
struct TrustworthyAnswersTests {
  let fixtures = DumpFixtures()

  func encoded(_ s: DumpSummary) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = .sortedKeys
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try e.encode(s), as: UTF8.self)
  }

  func partial(_ dump: LogitDump, shard: (Int, Int), options: AnalysisOptions) throws -> AnalysisPartial {
    let range = PositionTable.shardRange(index: shard.0, of: shard.1, positionShape: dump.positionShape)
    let table = try PositionTable(dump: dump, temperature: dump.temperature, range: range)
    return try AnalysisPartial(dump: dump, table: table, options: options, shard: shard)
  }

  /// Before: partials lost lr and step, so merged polarity was off by 1/η and step was nil.
  @Test func mergeKeepsLearningRateStepAndEqualsTheWholeRunKeyForKey() throws {
    let batch = DumpFixtures.randomBatch(b: 4, t: 5, v: 32, seed: 21)
    let path = try fixtures.write(batch, name: "lr.safetensors") { w in w.metadata["lr"] = "0.25" }
    let dump = try LogitDump(path: path)
    var options = AnalysisOptions()
    options.learningRate = 0.25
    options.learningRateSource = .metadata
    let whole = try BatchAnalysis(dump: dump, table: PositionTable(dump: dump, temperature: 1), options: options)
    var parts: [AnalysisPartial] = []
    for i in 0..<3 {
      let p = fixtures.path("lr-\(i).safetensors")
      try partial(dump, shard: (i, 3), options: options).write(to: p)
      parts.append(try AnalysisPartial(path: p))
    }
    let merged = try AnalysisPartial(merging: parts).analysis()
    #expect(merged.summary.step == 7)
    #expect(merged.summary.learningRate == 0.25)
    #expect(merged.summary.learningRateSource == "metadata")
    #expect(try encoded(merged.summary) == encoded(whole.summary))  // file, step, η, warnings: all equal
  }

  @Test func mergeRefusesPartialsOfDifferentDumpsOrSettings() throws {
    let a = try LogitDump(path: fixtures.write(DumpFixtures.randomBatch(b: 2, t: 3, v: 16, seed: 1), name: "a.safetensors"))
    let b = try LogitDump(path: fixtures.write(DumpFixtures.randomBatch(b: 2, t: 3, v: 16, seed: 2), name: "b.safetensors"))
    // Same shapes, same metadata: only the data tells them apart.
    #expect(DumpIdentity(dump: a) != DumpIdentity(dump: b))
    let pa = fixtures.path("a0.safetensors"), pb = fixtures.path("b1.safetensors"), pc = fixtures.path("a1.safetensors")
    try partial(a, shard: (0, 2), options: AnalysisOptions()).write(to: pa)
    try partial(b, shard: (1, 2), options: AnalysisOptions()).write(to: pb)
    #expect {
      try AnalysisPartial(merging: [AnalysisPartial(path: pa), AnalysisPartial(path: pb)])
    } throws: { "\($0)".contains("source dump identity") }
    var other = AnalysisOptions()
    other.learningRate = 3
    try partial(a, shard: (1, 2), options: other).write(to: pc)
    #expect {
      try AnalysisPartial(merging: [AnalysisPartial(path: pa), AnalysisPartial(path: pc)])
    } throws: { "\($0)".contains("lr is") }
  }

  /// Copies a partial with metadata and tensors changed by `edit`.
  func crafted(_ source: String, _ name: String, metadata: [String: String] = [:], doubles: [String: [Double]] = [:], int64s: [String: [Int64]] = [:]) throws -> String {
    let archive = try TensorArchive(path: source)
    var w = SafetensorsWriter(metadata: archive.metadata.merging(metadata) { $1 })
    for t in archive.tensors {
      switch t.elementType {
      case .f64: w.add(t.name, try doubles[t.name] ?? t.doubles(), shape: t.shape)
      case .i64: w.add(t.name, try int64s[t.name] ?? t.int64s(), shape: t.shape)
      default: w.add(t.name, try t.bools().map { $0 ? UInt8(1) : 0 }, shape: t.shape)
      }
    }
    let p = fixtures.path(name)
    try w.write(to: p)
    return p
  }

  @Test func craftedPartialsFailWithOneLineNamingTheProblem() throws {
    let dump = try LogitDump(path: fixtures.write(DumpFixtures.randomBatch(b: 2, t: 3, v: 16, seed: 3), name: "c.safetensors"))
    let good = fixtures.path("good.safetensors")
    try partial(dump, shard: (0, 1), options: AnalysisOptions()).write(to: good)
    _ = try AnalysisPartial(path: good)
    var entropy = try #require(try TensorArchive(path: good)["entropy"]).doubles()
    entropy[0] = .nan
    let cases: [(String, String)] = [
      (try crafted(good, "shape.safetensors", metadata: ["position_shape": "4611686018427387904,4"]), "overflows"),
      (try crafted(good, "negshape.safetensors", metadata: ["position_shape": "-2,3"]), "position_shape"),
      (try crafted(good, "pos.safetensors", int64s: ["positions": [0, 1, 2, 3, 4, 99]]), "outside the position shape"),
      (try crafted(good, "order.safetensors", int64s: ["positions": [0, 2, 1, 3, 4, 5]]), "ascending"),
      (try crafted(good, "count.safetensors", metadata: ["non_finite_rows": "-5"]), "non_finite_rows"),
      (try crafted(good, "temp.safetensors", metadata: ["temperature": "1e-310"]), "temperature"),
      (try crafted(good, "temp0.safetensors", metadata: ["temperature": "0"]), "temperature"),
      (try crafted(good, "nan.safetensors", doubles: ["entropy": entropy]), "entropy"),
      (try crafted(good, "lr.safetensors", metadata: ["lr": "nan"]), "lr"),
      (try crafted(good, "ratio.safetensors", metadata: ["kl_cov_ratio": "5"]), "kl_cov_ratio"),
      (try crafted(good, "impossible.safetensors", metadata: ["impossible_values": "-1,0,0,0,0,0"]), "impossible_values"),
      (try crafted(good, "old.safetensors", metadata: ["format": "deltah-partial-1"]), "older deltah"),
    ]
    for (path, fragment) in cases {
      do {
        _ = try AnalysisPartial(path: path)
        Issue.record("\(path) was accepted; it should fail naming \(fragment)")
      } catch {
        let text = "\(error)"
        #expect(text.contains(path) && text.contains(fragment) && !text.contains("\n"), "\(text)")
      }
    }
  }

  @Test func shardRangeOfHugeCountsDoesNotTrap() {
    let r = PositionTable.shardRange(index: 4_611_686_018_427_387_904, of: Int.max, positionShape: [8, 3])
    #expect(r.isEmpty)
    let last = PositionTable.shardRange(index: Int.max - 1, of: Int.max, positionShape: [Int.max / 2, 1])
    #expect(last.upperBound == Int.max / 2)
  }

  @Test func comparePartialsMergeToTheUnshardedComparison() throws {
    let before = DumpFixtures.randomBatch(b: 3, t: 4, v: 24, seed: 5)
    var after = before
    after.logits = after.logits.enumerated().map { $1 + 0.05 * Double(($0 * 7) % 5) - 0.1 }
    let a = try LogitDump(path: fixtures.write(before, name: "before.safetensors"))
    let b = try LogitDump(path: fixtures.write(after, name: "after.safetensors"))
    let whole = try CheckpointComparison.comparing(before: a, after: b, temperature: 1)
    var parts: [ComparisonPartial] = []
    for i in 0..<3 {
      let range = PositionTable.shardRange(index: i, of: 3, positionShape: a.positionShape)
      let c = try CheckpointComparison.comparing(before: a, after: b, temperature: 1, range: range)
      let p = fixtures.path("cmp-\(i).safetensors")
      try ComparisonPartial(comparison: c, beforeIdentity: DumpIdentity(dump: a).description, afterIdentity: DumpIdentity(dump: b).description, shard: (i, 3)).write(to: p)
      parts.append(try ComparisonPartial(path: p))
    }
    let merged = try ComparisonPartial(merging: parts.reversed()).comparison
    let e = JSONEncoder()
    e.outputFormatting = .sortedKeys
    #expect(try e.encode(merged.summary) == e.encode(whole.summary))
    #expect(merged.deltaFirstOrder.elementsEqual(whole.deltaFirstOrder) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    #expect(try ComparisonPartial.isComparisonPartial(at: parts[0].path))
  }

  /// Before: an F32 checkpoint against an F64/BF16 one was refused.
  @Test func compareAcceptsMixedFloatTypes() throws {
    let before = DumpFixtures.randomBatch(b: 2, t: 3, v: 40, seed: 6)
    var rounded = before
    rounded.logits = before.logits.map { Double(Float($0)) }  // what the F32 dump holds, exactly
    var after = before
    after.logits = after.logits.map { $0 * 1.1 }
    let a32 = try LogitDump(path: fixtures.write(before, name: "m32.safetensors", float32: true))
    let a64 = try LogitDump(path: fixtures.write(rounded, name: "m64.safetensors"))
    let b = try LogitDump(path: fixtures.write(after, name: "mafter.safetensors"))
    let mixed = try CheckpointComparison(before: a32, after: b, temperature: 1)
    let reference = try CheckpointComparison(before: a64, after: b, temperature: 1)
    // Same F64 values through the same F64 kernel: bit-identical.
    #expect(mixed.deltaActual.elementsEqual(reference.deltaActual) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    #expect(mixed.deltaSecondOrder.elementsEqual(reference.deltaSecondOrder) { $0 == $1 || ($0.isNaN && $1.isNaN) })
  }

  /// Before: `attention_mask` was ignored without a word and padding counted as valid.
  @Test func unknownTensorsAreNamedWithNearMisses() throws {
    var batch = DumpFixtures.randomBatch(b: 2, t: 3, v: 8, seed: 7)
    batch.mask = batch.mask.map { _ in 1 }
    let path = try fixtures.write(batch, name: "unknown.safetensors") { w in
      w.add("attention_mask", [UInt8](repeating: 0, count: 6), shape: [2, 3])
      w.add("old_log_prob", [Double](repeating: -1, count: 6), shape: [2, 3])
      w.add("values", [Double](repeating: 0, count: 6), shape: [2, 3])
    }
    let dump = try LogitDump(path: path)
    #expect(dump.ignoredTensors == ["attention_mask", "old_log_prob", "values"])
    let a = try BatchAnalysis(dump: dump, table: PositionTable(dump: dump, temperature: 1), options: AnalysisOptions())
    #expect(a.summary.ignoredTensors == ["attention_mask", "old_log_prob", "values"])
    let w = a.summary.warnings
    #expect(w.contains { $0.contains("'attention_mask'") && $0.contains("'mask'") && $0.contains("'response_mask'") })
    #expect(w.contains { $0.contains("'old_log_prob'") && $0.contains("'old_log_probs'") })
    #expect(w.contains { $0.contains("'values'") && $0.contains("ignored") })
    let read = try #require(a.summary.tensorsRead)
    #expect(read.contains(TensorRead(field: "mask", tensor: "response_mask", shape: [2, 3], type: "U8")))
    #expect(read.first?.description == "logits ← logits [2,3,8] F64")
    #expect(DumpField.nearMisses(of: "advantage") == ["advantages"])
    #expect(DumpField.nearMisses(of: "tokn_ids").contains("token_ids"))
    #expect(DumpField.nearMisses(of: "reward_scores").isEmpty)
  }

  /// Before: negative entropies and positive log-probabilities passed. (Top-k sums above 1 beyond
  /// rounding are refused by ``PositionTable``: TopKMassTests.)
  @Test func impossibleLoggedValuesAreCounted() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 3, v: 8, seed: 8)
    let path = try fixtures.write(batch, name: "impossible.safetensors") { w in
      w.add("entropy", [0.5, -0.3, 0.2, 0.1, -0.01, 0.4], shape: [2, 3])
      w.add("old_logprobs", [-0.5, 0.2, -1, -1, -1, -1e-9], shape: [2, 3])
    }
    let dump = try LogitDump(path: path)
    let table = try PositionTable(dump: dump, temperature: 1)
    let counts = try ImpossibleLoggedValues(table: table, dump: dump)
    // Position 5 is masked out (the fixture's mask[t − 1] = 0 for the first sequence is 2).
    let valid = table.valid
    #expect(counts.negativeEntropies == [1, 4].filter { valid[$0] }.count)
    #expect(counts.positiveLogProbabilities == (valid[1] ? 1 : 0))  // −1e-9 is within the tolerance
    let a = try BatchAnalysis(dump: dump, table: table, options: AnalysisOptions())
    #expect(a.summary.warnings.contains { $0.contains("impossible logged values") && $0.contains("negative entropies") })
  }

  /// Before: top-k ids outside the vocabulary or repeated within a position were read without a
  /// word, and a repeated id counted one token's probability twice in the top-k entropy bounds.
  /// Masked-out positions are not checked (padding may hold anything).
  @Test(arguments: [
    ([Int64](arrayLiteral: 0, 1, 9, 3, 2, 1, 4, 5, 6, 7, 0, 1), "id 9 at position 1 is not a token id [0, 8)"),
    ([0, 1, -1, 3, 2, 1, 4, 5, 6, 7, 0, 1], "id -1 at position 1 is not a token id [0, 8)"),
    ([0, 1, 2, 2, 4, 5, 6, 7, 0, 1, 2, 3], "id 2 appears twice at position 1"),
  ])
  func topKIDsMustBeDistinctTokenIDs(ids: [Int64], problem: String) throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 3, v: 8, seed: 8)
    let path = try fixtures.write(batch, name: "topk-ids-\(problem.hashValue).safetensors") { w in
      w.add("topk_logprobs", [Double](repeating: -1, count: 12), shape: [2, 3, 2])
      w.add("topk_ids", ids, shape: [2, 3, 2])
    }
    let dump = try LogitDump(path: path)
    #expect(throws: DumpError.self) { try PositionTable(dump: dump, temperature: 1) }
    do { _ = try PositionTable(dump: dump, temperature: 1) } catch {
      #expect(error.tensor == "topk_ids" && error.problem.contains(problem), "\(error)")
    }
  }

  @Test func topKIDsOfMaskedPositionsAreNotChecked() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 3, v: 8, seed: 8)
    let masked = try #require(batch.mask.firstIndex(of: 0))
    var ids = (0..<12).map { Int64($0 % 2) }
    ids[2 * masked] = 99
    ids[2 * masked + 1] = 99
    let path = try fixtures.write(batch, name: "topk-ids-masked.safetensors") { w in
      w.add("topk_logprobs", [Double](repeating: -1, count: 12), shape: [2, 3, 2])
      w.add("topk_ids", ids, shape: [2, 3, 2])
    }
    #expect(try PositionTable(dump: try LogitDump(path: path), temperature: 1).topKBounds != nil)
  }

  @Test func learningRateSourceAndDefaultWarning() throws {
    let dump = try LogitDump(path: fixtures.write(DumpFixtures.randomBatch(b: 2, t: 3, v: 8, seed: 9), name: "eta.safetensors"))
    let table = try PositionTable(dump: dump, temperature: 1)
    let defaulted = try BatchAnalysis(dump: dump, table: table, options: AnalysisOptions())
    #expect(defaulted.summary.learningRateSource == "default")
    #expect(defaulted.summary.warnings.contains { $0.contains("η = 1 by default") })
    var flagged = AnalysisOptions()
    flagged.learningRate = 0.1
    flagged.learningRateSource = .flag
    let given = try BatchAnalysis(dump: dump, table: table, options: flagged)
    #expect(given.summary.learningRateSource == "flag")
    #expect(!given.summary.warnings.contains { $0.contains("η = 1 by default") })
  }

  /// Before: dumps were taken in command-line order, gaps and shape changes passed unnoticed.
  @Test func seriesIsOrderedByStepWithWarnings() {
    let e = { (p: String, s: Int?, shape: [Int], v: Int?) in StepSeriesCheck.Entry(path: p, step: s, positionShape: shape, vocabularySize: v) }
    let check = StepSeriesCheck([e("c", 30, [2, 3], 8), e("a", 10, [2, 3], 8), e("d", 50, [2, 4], 8), e("b", 20, [2, 3], 9), e("b2", 20, [2, 3], 9)])
    #expect(check.order == [1, 3, 4, 0, 2])
    #expect(check.warnings.contains { $0.contains("repeated step(s) 20") })
    #expect(check.warnings.contains { $0.contains("missing step(s)") && $0.contains("between 30 and 50") })
    #expect(check.warnings.contains { $0.contains("position shape changes") })
    #expect(check.warnings.contains { $0.contains("vocabulary size changes from 8 (a) to 9 (b)") })
    let unordered = StepSeriesCheck([e("x", nil, [1], nil), e("y", 3, [1], nil)])
    #expect(unordered.order == [0, 1] && unordered.warnings.contains { $0.contains("no metadata 'step'") })
  }

  /// Before: T = 1e-310 passed the checks and 1/T = ∞ turned every result into NaN.
  @Test func subnormalTemperatureIsRefused() throws {
    #expect(throws: SoftmaxError.self) { try SoftmaxPolicy(logits: [1, 2], temperature: Double("1e-310")!) }
    let path = try fixtures.write(DumpFixtures.randomBatch(b: 1, t: 2, v: 4, seed: 1), name: "subnormal.safetensors", temperature: Double("1e-310")!)
    #expect { _ = try LogitDump(path: path) } throws: { "\($0)".contains("1/T overflows") }
  }

  /// Before: logits ±1e308 gave H = NaN (x − max overflowed to −∞ and 0·∞ = NaN).
  @Test func logitsBeyondDoubleRangeAreRefusedNotNaN() throws {
    #expect { try SoftmaxPolicy(logits: [1e308, -1e308]) } throws: { "\($0)".contains("Double's range") }
    let p = try SoftmaxPolicy(logits: [1e308, 1e307])  // spread 9e307 still fits
    #expect(p.entropy.isFinite && p.entropy == 0)
  }
}
