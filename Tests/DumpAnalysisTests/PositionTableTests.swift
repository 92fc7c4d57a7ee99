// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyDynamics
import Foundation
import LogitDumps
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Per-position pass against Double references")
struct PositionTableTests {
  let fixtures = DumpFixtures()

  /// Row i of the batch as a SoftmaxPolicy: the independent Double route (no SIMD kernel).
  func policy(_ batch: DumpFixtures.Batch, _ i: Int, temperature: Double, float32: Bool) -> SoftmaxPolicy {
    let row = Array(batch.logits[(i * batch.v)..<((i + 1) * batch.v)]).map { float32 ? Double(Float($0)) : $0 }
    return try! SoftmaxPolicy(logits: row, temperature: temperature)
  }

  /// F64 logits: the kernel's Double path must agree with SoftmaxPolicy to 1e-9 (both are Double;
  /// differences come from summation order only). F32 logits: 1e-5 (the AVX2 path accumulates in
  /// float32 within blocks of ≤ 4096 elements; V = 300 here).
  @Test(arguments: [false, true])
  func perPositionQuantities(float32: Bool) throws {
    let batch = DumpFixtures.randomBatch(b: 3, t: 5, v: 300, seed: float32 ? 2 : 1)
    let temperature = 0.7
    let dump = try LogitDump(path: fixtures.write(batch, name: "pp\(float32).safetensors", float32: float32, temperature: temperature))
    let table = try PositionTable(dump: dump, temperature: temperature)
    let tolerance = float32 ? 1e-5 : 1e-9
    #expect(table.count == 15)
    #expect(table.valid.filter { !$0 }.count == 2)
    for i in 0..<15 {
      #expect(table.sequenceIDs[i] == Int64(i / 5))
      guard table.valid[i] else {
        // Masked-out rows are never read.
        #expect(table.entropy[i].isNaN && table.logProbability![i].isNaN)
        continue
      }
      let p = policy(batch, i, temperature: temperature, float32: float32)
      let k = Int(batch.tokens[i])
      #expect(abs(table.entropy[i] - p.entropy) <= tolerance)
      #expect(abs(table.logProbability![i] - p.logProbabilities[k]) <= tolerance)
      #expect(abs(table.sumSquaredProbabilities![i] - p.sumOfSquaredProbabilities) <= tolerance)
      #expect(abs(table.expectedDiscriminator![i] - p.expectedEntropyDiscriminator) <= tolerance)
      #expect(abs(table.sampledDiscriminator![i] - p.entropyDiscriminator[k]) <= tolerance)
    }
  }

  @Test func polarityMatchesEntropyPolarity() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 6, v: 120, seed: 3)
    let dump = try LogitDump(path: fixtures.write(batch, name: "pol.safetensors", temperature: 1.3))
    let table = try PositionTable(dump: dump, temperature: 1.3)
    var options = AnalysisOptions()
    options.learningRate = 0.05
    let analysis = try BatchAnalysis(table: table, file: dump.path, step: dump.step, options: options)
    var positive = 0.0, negative = 0.0
    for i in 0..<table.count where table.valid[i] {
      let p = policy(batch, i, temperature: 1.3, float32: false)
      let expected = try EntropyPolarity(policy: p, token: Int(batch.tokens[i]), advantage: batch.advantages[i], learningRate: 0.05)
      #expect(abs(analysis.polarity![i] - expected.polarity) <= 1e-12)
      #expect(abs(analysis.sampledTerm![i] - expected.sampledTerm) <= 1e-12)
      if expected.polarity > 0 { positive += expected.polarity } else { negative += expected.polarity }
    }
    let s = try #require(analysis.summary.polarity)
    #expect(abs(s.sumPositive - positive) <= 1e-12 && abs(s.sumNegative - negative) <= 1e-12)
    let opefo = try #require(analysis.summary.opefo)
    let lambda = try #require(opefo.lambdaStar)
    // OPEFO balance: (1 + λ*)Φ+ − (1 − λ*)Φ− = 0.
    #expect(abs((1 + lambda) * opefo.phiPlus - (1 - lambda) * opefo.phiMinus) <= 1e-12)
    #expect(analysis.summary.quadrants!.map(\.tokens).reduce(0, +) == table.validCount)
  }

  @Test func entropyMeansAndPercentiles() throws {
    let batch = DumpFixtures.randomBatch(b: 4, t: 5, v: 80, seed: 4)
    let dump = try LogitDump(path: fixtures.write(batch, name: "means.safetensors"))
    let table = try PositionTable(dump: dump, temperature: 1)
    let s = try BatchAnalysis(table: table, file: dump.path, step: nil, options: AnalysisOptions()).summary
    let valid = (0..<20).filter { batch.mask[$0] == 1 }
    let h = valid.map { policy(batch, $0, temperature: 1, float32: false).entropy }
    #expect(abs(s.entropyTokenMean! - h.reduce(0, +) / Double(h.count)) <= 1e-12)
    var perSeq: [Int: [Double]] = [:]
    for (i, e) in zip(valid, h) { perSeq[i / 5, default: []].append(e) }
    let seqMean = perSeq.values.map { $0.reduce(0, +) / Double($0.count) }.reduce(0, +) / Double(perSeq.count)
    #expect(abs(s.entropySeqMeanTokenMean! - seqMean) <= 1e-12)
    // numpy's linear rule: the p-th percentile sits at (n − 1)·p/100 in the sorted list.
    let sorted = h.sorted()
    let pos = Double(sorted.count - 1) * 0.8
    let lo = Int(pos)
    let p80 = sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - Double(lo))
    #expect(abs(s.entropyPercentiles!.threshold80 - p80) <= 1e-12)
    #expect(abs(s.entropyPercentiles!.shareAbove80 - Double(h.filter { $0 > p80 }.count) / Double(h.count)) < 1e-15)
  }

  @Test func nonFiniteRowsAreCountedAndExcluded() throws {
    var batch = DumpFixtures.randomBatch(b: 2, t: 3, v: 40, seed: 5)
    batch.logits[0 * 40 + 7] = .nan
    batch.logits[4 * 40] = .infinity
    batch.logits[2 * 40 + 3] = .nan  // position 2 is masked out by the fixture: never read, not counted
    let dump = try LogitDump(path: fixtures.write(batch, name: "nan.safetensors"))
    let table = try PositionTable(dump: dump, temperature: 1)
    #expect(table.nonFiniteRows == 2)
    #expect(table.nonFiniteExamples == [0, 4])
    #expect(!table.valid[0] && !table.valid[2] && !table.valid[4])
    let s = try BatchAnalysis(table: table, file: dump.path, step: nil, options: AnalysisOptions()).summary
    #expect(s.entropyTokenMean!.isFinite)
    #expect(s.warnings.contains { $0.contains("NaN/Inf") })
  }

  @Test func badInputsFailClearly() throws {
    var batch = DumpFixtures.randomBatch(b: 1, t: 4, v: 30, seed: 6)
    batch.tokens[1] = 30
    let dump = try LogitDump(path: fixtures.write(batch, name: "oob.safetensors"))
    #expect {
      _ = try PositionTable(dump: dump, temperature: 1)
    } throws: { error in
      let e = error as? DumpError
      return e?.tensor == "token_ids" && e!.description.contains("outside the vocabulary") && e!.description.contains("oob.safetensors")
    }
    var empty = DumpFixtures.randomBatch(b: 1, t: 3, v: 10, seed: 7)
    empty.mask = [0, 0, 0]
    let emptyDump = try LogitDump(path: fixtures.write(empty, name: "empty.safetensors"))
    let table = try PositionTable(dump: emptyDump, temperature: 1)
    #expect {
      _ = try BatchAnalysis(table: table, file: emptyDump.path, step: nil, options: AnalysisOptions())
    } throws: { error in
      (error as? DumpError)?.description.contains("empty") == true
    }
  }
}

@Suite("Near ties and logit rows on dumps")
struct NearTieDumpTests {
  let fixtures = DumpFixtures()

  @Test func nearTiesMatchGapsFromTheLogits() throws {
    var batch = DumpFixtures.randomBatch(b: 3, t: 4, v: 40, seed: 21, scale: 1)
    // Force exact and near ties at a few positions (by construction of the top two logits).
    for (position, gap) in [(0, 0.0), (2, 0.04), (5, 0.2), (7, 0.09)] {
      let row = position * 40
      let top = batch.logits[row..<(row + 40)].max()!
      batch.logits[row] = top + 10
      batch.logits[row + 1] = top + 10 - gap
    }
    let dump = try LogitDump(path: fixtures.write(batch, name: "ties.safetensors", temperature: 0.5))
    let table = try PositionTable(dump: dump, temperature: 0.5)
    let s = try BatchAnalysis(table: table, file: dump.path, step: nil, options: AnalysisOptions()).summary
    let ties = try #require(s.nearTies)
    // Independent count: gap of z/T between the two largest logits < 0.1, valid positions only.
    let expected = (0..<12).filter { i in
      guard batch.mask[i] == 1 else { return false }
      let row = batch.logits[(i * 40)..<((i + 1) * 40)].map { $0 / 0.5 }.sorted(by: >)
      return row[0] - row[1] < 0.1
    }.count
    #expect(ties.nearTies == expected)
    #expect(ties.nearTies >= 2)  // positions 0 and 2: gaps of z/T are 0 and 0.04/0.5 = 0.08
    #expect(abs(ties.share - Double(expected) / Double(s.tokens)) < 1e-15)
  }

  @Test func doubleRowsDecodeEveryType() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 2, v: 7, seed: 22)
    for float32 in [false, true] {
      let dump = try LogitDump(path: fixtures.write(batch, name: "rows\(float32).safetensors", float32: float32))
      let rows = try dump[.logits]!.doubleRows([3, 0])
      for (r, i) in zip(rows, [3, 0]) {
        let expected = batch.logits[(i * 7)..<((i + 1) * 7)].map { float32 ? Double(Float($0)) : $0 }
        #expect(r == expected)
      }
      #expect(throws: DumpError.self) { try dump[.logits]!.doubleRows([4]) }
    }
  }
}
