// DeltaH — entropy change of softmax policies.

import LogitKernels
import Testing
import _TestSupport

/// One row fed in pieces gives the whole-row statistics (issue 10, item 13: a row of 2²⁸ logits
/// in a DEFLATE member is reduced piece by piece instead of inflated whole).
@Suite struct RowAccumulatorTests {
  /// Agreement with the whole-row kernel: the pieces change the summation order and add one
  /// rescaling e^Δ per piece. Both results lie within the kernel's documented error of the exact
  /// value (`tolerance`: 1e-5 where the AVX2 path accumulates blocks in f32 lanes, 1e-10 relative
  /// on the Double path), so they agree to twice that.
  func close(_ a: Double, _ b: Double, _ type: LogitElementType) -> Bool {
    a == b || abs(a - b) <= 2 * tolerance(.preferred, type, magnitude: max(abs(a), abs(b)))
  }

  @Test(arguments: [LogitElementType.float32, .bfloat16, .float64])
  func piecesInAnyOrderMatchTheWholeRow(type: LogitElementType) {
    let v = 5000
    var rows = gaussianRows(count: 3, vocabularySize: v, scale: 3, seed: 11)
    rows[1][4321] += 40  // the maximum sits in a late piece: earlier sums must be rescaled
    rows[2][7] += 40  // …or in the first piece
    let encoded = EncodedRows(rows, as: type)
    for temperature in [1.0, 0.7] {
      let tokens: [Int64] = [17, 4321, Int64(v - 1)]
      let whole = encoded.rowStatistics(temperature: temperature, tokens: tokens, kernel: .preferred)
      var rng = SplitMix64(seed: 5)
      for r in 0..<3 {
        // Random piece boundaries, fed in a shuffled order.
        var cuts = Set((0..<12).map { _ in Int.random(in: 1..<v, using: &rng) })
        cuts.insert(0)
        cuts.insert(v)
        let bounds = cuts.sorted()
        var pieces = Array(zip(bounds, bounds.dropFirst()))
        pieces.shuffle(using: &rng)
        var accumulator = LogitRowAccumulator(vocabularySize: v, elementType: type, temperature: temperature, sampledToken: tokens[r])
        encoded.withRows { base in
          let row = base + r * encoded.rowStride
          for (lo, hi) in pieces { accumulator.add(row + lo * type.byteWidth, count: hi - lo, offset: lo) }
        }
        let s = accumulator.statistics(), w = whole[r]
        for (name, a, b) in [
          ("entropy", s.entropy, w.entropy), ("logSumExp", s.logSumExp, w.logSumExp),
          ("sumSquaredProbabilities", s.sumSquaredProbabilities, w.sumSquaredProbabilities),
          ("expectedDiscriminator", s.expectedDiscriminator, w.expectedDiscriminator),
          ("sampledLogProbability", s.sampledLogProbability, w.sampledLogProbability),
          ("sampledDiscriminator", s.sampledDiscriminator, w.sampledDiscriminator),
        ] {
          #expect(close(a, b, type), "\(type) T=\(temperature) row \(r) \(name): \(a) vs \(b)")
        }
        #expect(s.maxLogit == w.maxLogit && s.topTwoGap == w.topTwoGap, "row \(r) extremes")
      }
    }
  }

  @Test func nonFiniteElementsAndBadTokensAreReportedAsForWholeRows() {
    var row = [Double](repeating: 0, count: 100)
    row[60] = .nan
    let encoded = EncodedRows([row], as: .float32)
    var a = LogitRowAccumulator(vocabularySize: 100, elementType: .float32, temperature: 1, sampledToken: 100)
    encoded.withRows { base in
      a.add(base, count: 50, offset: 0)
      a.add(base + 200, count: 50, offset: 50)
    }
    let s = a.statistics()
    #expect(s.nonFiniteCount == 1 && s.entropy.isNaN)
    #expect(s.sampledTokenOutOfRange)
  }
}
