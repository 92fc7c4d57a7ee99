// DeltaH — entropy change of softmax policies.

import Foundation
import LogitKernels
import Synchronization
import Testing
import _TestSupport

/// Asserts every statistic of `s` matches the float64 reference within `tolerance(path, …)`.
func expectMatches(
  _ s: LogitRowStatistics, _ ref: ReferenceRow, path: LogitKernelPath, type: LogitElementType,
  _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  func check(_ name: String, _ got: Double, _ want: Double) {
    let tol = tolerance(path, type, magnitude: want)
    #expect(
      abs(got - want) <= tol,
      "\(label) \(name): \(got) vs reference \(want) (|Δ| = \(abs(got - want)), tol \(tol))",
      sourceLocation: sourceLocation)
  }
  #expect(s.nonFiniteCount == 0, "\(label)", sourceLocation: sourceLocation)
  // m and the gap are exact up to the rounding of one division by T.
  #expect(abs(s.maxLogit - ref.maxLogit) <= 1e-12 * (1 + abs(ref.maxLogit)), "\(label) max")
  if ref.topTwoGap.isInfinite {
    #expect(s.topTwoGap == .infinity, "\(label) gap")
  } else {
    #expect(abs(s.topTwoGap - ref.topTwoGap) <= 1e-12 * (1 + abs(ref.maxLogit)), "\(label) gap")
  }
  check("logSumExp", s.logSumExp, ref.logSumExp)
  check("entropy", s.entropy, ref.entropy)
  check("Σπ²", s.sumSquaredProbabilities, ref.sumSquares)
  check("E_π[S]", s.expectedDiscriminator, ref.expectedS)
  if ref.sampledLogProbability.isNaN {
    #expect(s.sampledLogProbability.isNaN && s.sampledDiscriminator.isNaN, "\(label) sampled")
  } else {
    check("log πₖ", s.sampledLogProbability, ref.sampledLogProbability)
    check("Sₖ", s.sampledDiscriminator, ref.sampledS)
  }
}

@Suite("Row statistics")
struct RowStatisticsTests {
  static let elementTypes = LogitElementType.allCases

  /// Lengths around the vector width (8), the unroll (16) and the block (1024) plus the Qwen
  /// vocabulary; scales from nearly uniform to sharply peaked; T ≠ 1.
  @Test("matches a float64 reference on both paths", arguments: elementTypes)
  func matchesReference(type: LogitElementType) {
    let cases: [(v: Int, scale: Double, peak: Double, t: Double)] = [
      (1, 1, 0, 1), (2, 1, 0, 0.7), (7, 2, 0, 1), (8, 2, 0, 1.3), (15, 3, 0, 1), (17, 3, 0, 0.5),
      (1000, 5, 0, 1), (1024, 1, 0, 1), (4097, 3, 8, 0.9), (151_936, 1, 0, 1),
      (151_936, 3, 12, 0.7), (151_936, 30, 0, 1), (151_936, 30, 0, 1.6),
    ]
    for (n, c) in cases.enumerated() {
      let rows = gaussianRows(
        count: 2, vocabularySize: c.v, scale: c.scale, peak: c.peak, seed: UInt64(17 + n))
      let encoded = EncodedRows(rows, as: type, offset: n % 4, padding: 2 * (n % 3))
      let tokens: [Int64] = [0, Int64(c.v - 1)]
      let refs = (0..<2).map {
        ReferenceRow(encoded.decoded[$0], temperature: c.t, token: Int(tokens[$0]))
      }
      for path in testedPaths {
        let stats = encoded.rowStatistics(temperature: c.t, tokens: tokens, kernel: path)
        for r in 0..<2 {
          expectMatches(
            stats[r], refs[r], path: path, type: type,
            "\(type) \(path) V=\(c.v) scale=\(c.scale) T=\(c.t) row \(r)")
        }
      }
    }
  }

  /// ±1e4 logits at T = 0.05 make (z − M)/T ≈ −4e5: exp must underflow to exactly 0, and nothing
  /// may overflow or become NaN.
  @Test("extreme logits neither overflow nor produce NaN", arguments: elementTypes, testedPaths)
  func extremeLogits(type: LogitElementType, path: LogitKernelPath) {
    var rng = SplitMix64(seed: 99)
    let v = 3000
    let mixed: [Double] = (0..<v).map { (i: Int) -> Double in
      let small = Double(i % 7)
      return i % 3 == 0 ? 10_000 - small : -10_000 + 2 * small
    }
    let wide = (0..<v).map { _ in Double.random(in: -1e4...1e4, using: &rng) }
    let flat = [Double](repeating: -1e4, count: v)
    let encoded = EncodedRows([mixed, wide, flat], as: type, offset: 1)
    for t in [1.0, 0.05, 3.0] {
      let stats = encoded.rowStatistics(temperature: t, tokens: [1, 5, 7], kernel: path)
      for r in 0..<3 {
        let ref = ReferenceRow(
          encoded.decoded[r], temperature: t, token: [1, 5, 7][r])
        expectMatches(stats[r], ref, path: path, type: type, "\(type) \(path) T=\(t) row \(r)")
      }
      // A constant row is uniform: H = log V exactly (up to rounding), gap 0.
      #expect(abs(stats[2].entropy - log(Double(v))) <= 1e-5)
      #expect(stats[2].topTwoGap == 0)
    }
  }

  /// Finite float32 logits of ±3e38: z − M overflows float to −∞ (the AVX2 path then hands the
  /// row to the Double kernel), yet the row is finite and its statistics must be numbers.
  @Test("float32 logits whose difference overflows float", arguments: testedPaths)
  func overflowingDifference(path: LogitKernelPath) {
    var row = gaussianRows(count: 1, vocabularySize: 100, scale: 1, seed: 3)[0]
    row[10] = 3e38
    row[50] = -3e38
    let encoded = EncodedRows([row], as: .float32)
    let stats = encoded.rowStatistics(temperature: 1, tokens: [10], kernel: path)[0]
    let ref = ReferenceRow(encoded.decoded[0], temperature: 1, token: 10)
    #expect(stats.nonFiniteCount == 0)
    expectMatches(stats, ref, path: path, type: .float32, "\(path) ±3e38")
  }

  @Test("V = 1 gives a point mass", arguments: elementTypes, testedPaths)
  func singleElement(type: LogitElementType, path: LogitKernelPath) {
    let encoded = EncodedRows([[3.25]], as: type, offset: 3)
    let s = encoded.rowStatistics(temperature: 0.5, tokens: [0], kernel: path)[0]
    #expect(s.maxLogit == 6.5)
    #expect(s.logSumExp == 6.5)
    #expect(s.entropy == 0)
    #expect(s.sumSquaredProbabilities == 1)
    #expect(s.expectedDiscriminator == 0)
    #expect(s.sampledLogProbability == 0)
    #expect(s.sampledDiscriminator == 0)
    #expect(s.topTwoGap == .infinity)
  }

  /// NaN/±Inf anywhere (vector body, unrolled body, scalar tail) is counted and gives NaN
  /// statistics for that row only; the neighbouring rows are unaffected bit for bit.
  @Test("non-finite elements are counted and isolated", arguments: elementTypes, testedPaths)
  func nonFinite(type: LogitElementType, path: LogitKernelPath) {
    let v = 2053  // 128 full vectors of 16 plus a 5-element tail
    var rows = gaussianRows(count: 6, vocabularySize: v, scale: 2, seed: 5)
    rows[1][0] = .nan
    rows[1][2050] = .infinity
    rows[3][17] = -.infinity
    rows[3][600] = .nan
    rows[3][2052] = .nan
    rows[4][1500] = -.infinity  // alone: the AVX2 path must still notice (0·(−∞) in Σe·d)
    rows[5][1024] = .infinity
    let expectedCounts = [0, 2, 0, 3, 1, 1]
    let encoded = EncodedRows(rows, as: type, offset: 2)
    let stats = encoded.rowStatistics(temperature: 1.1, tokens: [0, 1, 2, 3, 4, 5], kernel: path)
    for r in 0..<6 {
      #expect(stats[r].nonFiniteCount == expectedCounts[r], "row \(r)")
      if expectedCounts[r] > 0 {
        #expect(!stats[r].isFinite)
        for x in [
          stats[r].entropy, stats[r].logSumExp, stats[r].sumSquaredProbabilities,
          stats[r].expectedDiscriminator, stats[r].sampledLogProbability, stats[r].maxLogit,
          stats[r].topTwoGap,
        ] {
          #expect(x.isNaN, "row \(r)")
        }
      } else {
        let alone = EncodedRows([encoded.decoded[r]], as: type)
          .rowStatistics(temperature: 1.1, tokens: [Int64(r)], kernel: path)[0]
        #expect(bitPatterns(stats[r]) == bitPatterns(alone), "row \(r)")
      }
    }
  }

  @Test("out-of-range sampled tokens are flagged, not trapped", arguments: testedPaths)
  func sampledTokenOutOfRange(path: LogitKernelPath) {
    let rows = gaussianRows(count: 4, vocabularySize: 100, scale: 1, seed: 8)
    let encoded = EncodedRows(rows, as: .float32)
    let stats = encoded.rowStatistics(tokens: [-1, 100, 99, Int64.min], kernel: path)
    #expect(stats.map(\.sampledTokenOutOfRange) == [true, true, false, true])
    for r in [0, 1, 3] {
      #expect(stats[r].sampledLogProbability.isNaN && stats[r].sampledDiscriminator.isNaN)
      #expect(stats[r].entropy.isFinite)
    }
    #expect(stats[2].sampledLogProbability.isFinite)
    let untokened = encoded.rowStatistics(kernel: path)
    #expect(untokened.allSatisfy { $0.sampledLogProbability.isNaN && !$0.sampledTokenOutOfRange })
  }

  /// Loads are unaligned: every misalignment gives bit-identical results.
  @Test("unaligned rows give identical results", arguments: elementTypes, testedPaths)
  func unaligned(type: LogitElementType, path: LogitKernelPath) {
    let rows = gaussianRows(count: 3, vocabularySize: 5003, scale: 4, seed: 21)
    let aligned = EncodedRows(rows, as: type, offset: 0)
      .rowStatistics(temperature: 0.8, tokens: [1, 2, 3], kernel: path)
    for offset in 1...3 {
      let shifted = EncodedRows(rows, as: type, offset: offset, padding: offset)
        .rowStatistics(temperature: 0.8, tokens: [1, 2, 3], kernel: path)
      #expect(aligned.map(bitPatterns) == shifted.map(bitPatterns), "offset \(offset)")
    }
  }

  /// Each row's result depends only on that row, so thread count cannot change any bit.
  @Test("thread count does not change results", arguments: testedPaths)
  func threadsAreBitIdentical(path: LogitKernelPath) {
    let rows = gaussianRows(count: 13, vocabularySize: 20_000, scale: 3, peak: 6, seed: 3)
    let encoded = EncodedRows(rows, as: .bfloat16, offset: 1)
    let tokens = (0..<13).map { Int64($0 * 1000) }
    let one = encoded.rowStatistics(temperature: 0.9, tokens: tokens, threads: 1, kernel: path)
    for threads in [2, 3, 16] {
      let many = encoded.rowStatistics(
        temperature: 0.9, tokens: tokens, threads: threads, kernel: path)
      #expect(one.map(bitPatterns) == many.map(bitPatterns), "\(threads) threads")
    }
  }

  /// Rows of 2 MiB make batches of 2 rows, so 7 rows are 4 batches shared by the workers: the
  /// batches reported through `rowsCompleted` must tile the rows exactly once, and the results
  /// must not depend on how the batches were shared.
  @Test("batches tile the rows and report completion", arguments: [1, 2, 3])
  func batchesTileRows(threads: Int) {
    let v = 1 << 19
    let rows = gaussianRows(count: 7, vocabularySize: v, scale: 2, seed: 8)
    let encoded = EncodedRows(rows, as: .float32)
    let reference = encoded.rowStatistics(kernel: .preferred)
    let batches = Mutex<[Range<Int>]>([])
    let results = UnsafeMutablePointer<LogitRowStatistics>.allocate(capacity: 7)
    defer { results.deallocate() }
    encoded.withRows { base in
      computeRowStatistics(
        rows: base, elementType: .float32, rowCount: 7, vocabularySize: v,
        rowStride: encoded.rowStride, into: results, threads: threads
      ) { batch in
        batches.withLock { $0.append(batch) }
      }
    }
    let reported = batches.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
    #expect(reported == [0..<2, 2..<4, 4..<6, 6..<7])
    let computed = Array(UnsafeBufferPointer(start: results, count: 7))
    #expect(computed.map(bitPatterns) == reference.map(bitPatterns))
  }

  /// Masked-out rows are not read: they hold NaN here, yet report no non-finite element, and the
  /// rows that are read match an unmasked pass bit for bit. Both kernels, rows and changes.
  @Test("masked-out rows are skipped unread", arguments: testedPaths)
  func rowMask(path: LogitKernelPath) {
    var rows = gaussianRows(count: 5, vocabularySize: 777, scale: 2, seed: 12)
    rows[1] = [Double](repeating: .nan, count: 777)
    rows[4][5] = .nan
    let mask = [true, false, true, true, false]
    let encoded = EncodedRows(rows, as: .bfloat16, offset: 1)
    let all = encoded.rowStatistics(kernel: path)
    let results = UnsafeMutablePointer<LogitRowStatistics>.allocate(capacity: 5)
    defer { results.deallocate() }
    encoded.withRows { base in
      mask.withUnsafeBufferPointer { m in
        computeRowStatistics(
          rows: base, elementType: .bfloat16, rowCount: 5, vocabularySize: 777,
          rowStride: encoded.rowStride, rowMask: m.baseAddress, into: results, threads: 2, kernel: path)
      }
    }
    let masked = Array(UnsafeBufferPointer(start: results, count: 5))
    for r in 0..<5 {
      if mask[r] {
        #expect(bitPatterns(masked[r]) == bitPatterns(all[r]), "row \(r)")
      } else {
        #expect(masked[r].isFinite && masked[r].entropy.isNaN && !masked[r].sampledTokenOutOfRange, "row \(r)")
      }
    }

    let shifted = EncodedRows(rows.map { $0.map { $0 + 0.25 } }, as: .bfloat16, offset: 1)
    let changes = UnsafeMutablePointer<LogitChangeStatistics>.allocate(capacity: 5)
    defer { changes.deallocate() }
    let unmasked = changeStatistics(encoded, shifted, kernel: path)
    encoded.withRows { a in
      shifted.withRows { b in
        mask.withUnsafeBufferPointer { m in
          computeChangeStatistics(
            before: a, after: b, elementType: .bfloat16, rowCount: 5, vocabularySize: 777,
            rowStride: encoded.rowStride, rowMask: m.baseAddress, into: changes, threads: 2, kernel: path)
        }
      }
    }
    for r in 0..<5 {
      if mask[r] {
        #expect(changes[r] == unmasked[r] || (changes[r].entropyBefore.isNaN && unmasked[r].entropyBefore.isNaN), "row \(r)")
        #expect(changes[r].nonFiniteCount == unmasked[r].nonFiniteCount)
      } else {
        #expect(changes[r].isFinite && changes[r].firstOrder.isNaN, "row \(r)")
      }
    }
  }

  /// The AVX2 passes flush subnormal results to zero internally (peaked rows make e² subnormal);
  /// the caller's floating-point mode must be restored, so subnormal arithmetic still works after
  /// an inline (single-thread) call, including one that took the scalar fallback.
  @Test("the caller's floating-point mode is restored", arguments: testedPaths)
  func floatingPointModeRestored(path: LogitKernelPath) {
    var rows = gaussianRows(count: 2, vocabularySize: 3000, scale: 30, seed: 4)
    rows[1][7] = .nan  // scalar fallback
    _ = EncodedRows(rows, as: .float32).rowStatistics(threads: 1, kernel: path)
    let tiny = [Float.leastNormalMagnitude, Float(0.25)]  // runtime values: no constant folding
    #expect(tiny[0] * tiny[1] > 0, "float subnormals flushed after the call")
    let tinyDouble = [Double.leastNormalMagnitude, 0.25]
    #expect(tinyDouble[0] * tinyDouble[1] > 0)
  }

  @Test("the AVX2 path is chosen where it exists")
  func dispatch() {
    #expect(LogitKernelPath.scalar.effective(for: .float32) == .scalar)
    #expect(LogitKernelPath.avx2.effective(for: .float64) == .scalar)
    if LogitKernelPath.isAVX2Available {
      #expect(LogitKernelPath.avx2.effective(for: .float32) == .avx2)
      #expect(LogitKernelPath.avx2.effective(for: .bfloat16) == .avx2)
    }
    let forced = ProcessInfo.processInfo.environment["DELTAH_KERNEL"] == "scalar"
    #expect(
      LogitKernelPath.preferred
        == (forced || !LogitKernelPath.isAVX2Available ? .scalar : .avx2))
  }

  @Test("zero rows is a no-op")
  func empty() {
    let sentinel = [Float](repeating: 1, count: 10)
    var out = [LogitRowStatistics](
      repeating: EncodedRows([[0]], as: .float32).rowStatistics(kernel: .scalar)[0], count: 1)
    let before = out.map(bitPatterns)
    sentinel.withUnsafeBytes { raw in
      out.withUnsafeMutableBufferPointer { results in
        computeRowStatistics(
          rows: raw.baseAddress!, elementType: .float32, rowCount: 0, vocabularySize: 10,
          rowStride: 40, into: results.baseAddress!, threads: 2)
      }
    }
    #expect(out.map(bitPatterns) == before)
  }
}
