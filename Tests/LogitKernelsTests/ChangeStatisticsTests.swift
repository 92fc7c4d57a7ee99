// DeltaH — entropy change of softmax policies.

import Foundation
import LogitKernels
import Testing
import _TestSupport

@Suite("Change statistics")
struct ChangeStatisticsTests {
  /// Pairs (a, b = a + ε·noise + shift): the constant shift checks that nothing depends on it.
  static func pairs(v: Int, scale: Double, epsilon: Double, shift: Double, seed: UInt64)
    -> (before: [[Double]], after: [[Double]])
  {
    var rng = SplitMix64(seed: seed &+ 1000)
    let before = gaussianRows(count: 2, vocabularySize: v, scale: scale, peak: scale * 2, seed: seed)
    let after = before.map { row in row.map { $0 + epsilon * scale * rng.normal() + shift } }
    return (before, after)
  }

  /// Against the float64 reference (−Cov with explicit means, second order through the explicit
  /// Hessian-vector product of docs/theory.md#hessian-vector-product, KL from the definition). Tolerances: the AVX2 path
  /// accumulates float32 lanes per 1024-element block (≈ 1e-7 relative per sum); the statistics
  /// are differences of such sums scaled by the spread of δ, so the absolute error is ≈ 1e-7·(1 +
  /// E_π|d|)·(1 + E_π δ²) — bounded here by 2e-5·(1 + |value|). The scalar path is all Double:
  /// 1e-9·(1 + |value|) (the reference itself uses plain summation over 151,936 terms).
  @Test("matches a float64 reference on both paths", arguments: LogitElementType.allCases)
  func matchesReference(type: LogitElementType) {
    let cases: [(v: Int, scale: Double, eps: Double, shift: Double, t: Double)] = [
      (1, 1, 0.1, 0.5, 1), (9, 1, 0.1, 0, 1), (1023, 2, 0.01, 3, 0.7), (5000, 3, 0.3, -2, 1.2),
      (151_936, 2, 0.001, 0, 1), (151_936, 3, 0.05, 1.5, 0.9), (151_936, 10, 1.0, 0, 1),
    ]
    for (n, c) in cases.enumerated() {
      let (a, b) = Self.pairs(v: c.v, scale: c.scale, epsilon: c.eps, shift: c.shift, seed: UInt64(n))
      let ea = EncodedRows(a, as: type, offset: n % 4)
      let eb = EncodedRows(b, as: type, offset: n % 4)
      let refs = (0..<2).map {
        ReferenceChange(before: ea.decoded[$0], after: eb.decoded[$0], temperature: c.t)
      }
      for path in testedPaths {
        let avx = path.effective(for: type) == .avx2
        let stats = changeStatistics(ea, eb, temperature: c.t, kernel: path)
        for r in 0..<2 {
          let (s, ref) = (stats[r], refs[r])
          let label = "\(type) \(path) V=\(c.v) scale=\(c.scale) ε=\(c.eps) T=\(c.t) row \(r)"
          #expect(s.nonFiniteCount == 0, "\(label)")
          for (name, got, want) in [
            ("H_a", s.entropyBefore, ref.entropyBefore), ("H_b", s.entropyAfter, ref.entropyAfter),
            ("firstOrder", s.firstOrder, ref.firstOrder),
            ("secondOrder", s.secondOrder, ref.secondOrder), ("localKL", s.localKL, ref.localKL),
            ("exactKL", s.exactKL, ref.exactKL),
          ] {
            let tol = (avx ? 2e-5 : 1e-9) * (1 + abs(want))
            #expect(
              abs(got - want) <= tol, "\(label) \(name): \(got) vs \(want), |Δ| \(abs(got - want))")
          }
        }
      }
    }
  }

  /// The Taylor orders behave as docs/theory.md#second-order says: for b = a + η·d the first-order error is
  /// O(η²) and the second-order error O(η³), and local KL → exact KL.
  @Test("second order beats first order on small steps", arguments: testedPaths)
  func taylorOrders(path: LogitKernelPath) {
    let (a, b) = Self.pairs(v: 4096, scale: 2, epsilon: 0.02, shift: 0, seed: 42)
    let stats = changeStatistics(
      EncodedRows(a, as: .float64), EncodedRows(b, as: .float64), kernel: path)
    for s in stats {
      let actual = s.entropyChange
      #expect(abs(s.secondOrder - actual) < 0.2 * abs(s.firstOrder - actual))
      #expect(abs(s.localKL - s.exactKL) < 0.2 * s.exactKL)
    }
  }

  @Test("identical rows give zero change", arguments: LogitElementType.allCases, testedPaths)
  func identical(type: LogitElementType, path: LogitKernelPath) {
    let rows = gaussianRows(count: 2, vocabularySize: 3001, scale: 3, seed: 4)
    let e = EncodedRows(rows, as: type, offset: 1)
    for s in changeStatistics(e, e, temperature: 0.8, kernel: path) {
      #expect(s.entropyBefore == s.entropyAfter)
      #expect(s.firstOrder == 0 && s.secondOrder == 0 && s.localKL == 0)
      #expect(abs(s.exactKL) <= 1e-15)
    }
  }

  @Test("non-finite elements in either row are counted", arguments: testedPaths)
  func nonFinite(path: LogitKernelPath) {
    var (a, b) = Self.pairs(v: 1030, scale: 1, epsilon: 0.1, shift: 0, seed: 7)
    a[0][1029] = .nan
    b[0][3] = .infinity
    b[0][500] = -.infinity
    let stats = changeStatistics(
      EncodedRows(a, as: .bfloat16), EncodedRows(b, as: .bfloat16), kernel: path)
    #expect(stats[0].nonFiniteCount == 3)
    #expect(stats[0].firstOrder.isNaN && stats[0].entropyBefore.isNaN && stats[0].exactKL.isNaN)
    #expect(stats[1].isFinite && stats[1].firstOrder.isFinite)
  }

  @Test("thread count does not change results", arguments: testedPaths)
  func threadsAreBitIdentical(path: LogitKernelPath) {
    let (a, b) = Self.pairs(v: 10_000, scale: 2, epsilon: 0.1, shift: 0, seed: 9)
    let rowsA = a + a + a + a + a, rowsB = b + b + b + b + b
    let ea = EncodedRows(rowsA, as: .float16, offset: 3)
    let eb = EncodedRows(rowsB, as: .float16, offset: 3)
    let one = changeStatistics(ea, eb, threads: 1, kernel: path)
    for threads in [2, 4] {
      let many = changeStatistics(ea, eb, threads: threads, kernel: path)
      #expect(one.map(bitPatterns) == many.map(bitPatterns))
    }
  }
}

/// The AVX2 kernels stream a row once and rescale their sums whenever the running maximum grows
/// (theory: Σ e^(d−s)(d − s) = e^(−s)(S1 − s S0), …). Rows whose maximum grows in every block,
/// or jumps in the last block, exercise that path; tolerances as in the reference tests above.
@Suite("Running-maximum rescaling")
struct RescalingTests {
  static func rows(v: Int) -> [[Double]] {
    var rng = SplitMix64(seed: 77)
    let rising = (0..<v).map { 12 * Double($0) / Double(v) + 0.5 * rng.normal() }
    var lateJump = (0..<v).map { _ in 2 * rng.normal() }
    lateJump[v - 3] = 25
    let falling = rising.reversed().map { $0 }
    return [rising, lateJump, falling]
  }

  /// V = 151,936 has no scalar tail; V = 4,099 ends in a tail of 3 elements, where the late jump
  /// (at V − 3) then lies, so the tail's own rescaling is exercised too.
  @Test("row statistics", arguments: [LogitElementType.float32, .bfloat16, .float16], [151_936, 4_099])
  func rowStatistics(type: LogitElementType, v: Int) {
    let encoded = EncodedRows(Self.rows(v: v), as: type, offset: 1)
    for t in [1.0, 0.6] {
      let tokens: [Int64] = [Int64(v - 1), Int64(v - 3), 0]
      for path in testedPaths {
        let stats = encoded.rowStatistics(temperature: t, tokens: tokens, kernel: path)
        for r in 0..<3 {
          let ref = ReferenceRow(encoded.decoded[r], temperature: t, token: Int(tokens[r]))
          expectMatches(stats[r], ref, path: path, type: type, "\(type) \(path) T=\(t) row \(r)")
        }
      }
    }
  }

  /// V = 20,000 has no scalar tail; with V = 1,027 the jumps of a (at V − 3) and of b (at V − 1)
  /// fall in the 3-element tail.
  @Test("change statistics", arguments: [LogitElementType.float32, .bfloat16], [20_000, 1_027])
  func changeStatistics(type: LogitElementType, v: Int) {
    let before = Self.rows(v: v)
    var rng = SplitMix64(seed: 78)
    var after = before.map { row in row.map { $0 + 0.05 * rng.normal() } }
    after[0][v - 1] += 6  // b's maximum jumps in the last block, a's does not
    let ea = EncodedRows(before, as: type), eb = EncodedRows(after, as: type)
    for path in testedPaths {
      let stats = LogitKernelsTests.changeStatistics(ea, eb, temperature: 0.8, kernel: path)
      let avx = path.effective(for: type) == .avx2
      for r in 0..<3 {
        let ref = ReferenceChange(before: ea.decoded[r], after: eb.decoded[r], temperature: 0.8)
        for (name, got, want) in [
          ("H_a", stats[r].entropyBefore, ref.entropyBefore),
          ("H_b", stats[r].entropyAfter, ref.entropyAfter),
          ("firstOrder", stats[r].firstOrder, ref.firstOrder),
          ("secondOrder", stats[r].secondOrder, ref.secondOrder),
          ("localKL", stats[r].localKL, ref.localKL), ("exactKL", stats[r].exactKL, ref.exactKL),
        ] {
          let tol = (avx ? 2e-5 : 1e-9) * (1 + abs(want))
          #expect(abs(got - want) <= tol, "\(type) \(path) row \(r) \(name): \(got) vs \(want)")
        }
      }
    }
  }
}
