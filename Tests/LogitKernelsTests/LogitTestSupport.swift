// DeltaH — entropy change of softmax policies.

import Foundation
import LogitKernels
import _TestSupport

/// A batch of rows encoded as raw bytes at a chosen misalignment, plus the exact values the kernel
/// sees (each logit decoded from its encoding, in Double).
struct EncodedRows {
  let elementType: LogitElementType
  let vocabularySize: Int
  let rowStride: Int
  let offset: Int
  var storage: [UInt8]
  /// decoded[r][i]: the value of element i of row r after encoding.
  var decoded: [[Double]]

  /// Encodes `rows` (all of length V) with `padding` spare bytes between rows, starting `offset`
  /// bytes into the storage (offset 1–3 makes every element misaligned).
  init(_ rows: [[Double]], as type: LogitElementType, offset: Int = 0, padding: Int = 0) {
    let v = rows.first?.count ?? 0
    let stride = v * type.byteWidth + padding
    elementType = type
    vocabularySize = v
    rowStride = stride
    self.offset = offset
    var bytes = [UInt8](repeating: 0xA5, count: offset + rows.count * stride + 16)
    var decoded: [[Double]] = []
    bytes.withUnsafeMutableBytes { raw in
      for (r, row) in rows.enumerated() {
        precondition(row.count == v)
        let base = raw.baseAddress! + offset + r * stride
        decoded.append(Self.store(row, as: type, at: base))
      }
    }
    storage = bytes
    self.decoded = decoded
  }

  /// Writes `row` at `base` (unaligned) in encoding `type`; returns the decoded (stored) values.
  static func store(_ row: [Double], as type: LogitElementType, at base: UnsafeMutableRawPointer)
    -> [Double]
  {
    var values = [Double](repeating: 0, count: row.count)
    switch type {
    case .float32:
      for i in row.indices {
        let f = Float(row[i])
        base.storeBytes(of: f.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
        values[i] = Double(f)
      }
    case .bfloat16:
      for i in row.indices {
        let f = Float(row[i])
        let bits = f.bitPattern
        // Round to nearest even; NaN stays a quiet NaN.
        let h = f.isNaN ? 0x7FC0 : UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        base.storeBytes(of: h.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        values[i] = Double(Float(bitPattern: UInt32(h) << 16))
      }
    case .float16:
      for i in row.indices {
        let h = Float16(row[i])
        base.storeBytes(of: h.bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        values[i] = Double(h)
      }
    case .float64:
      for i in row.indices {
        base.storeBytes(of: row[i].bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
        values[i] = row[i]
      }
    }
    return values
  }

  func withRows<R>(_ body: (UnsafeRawPointer) -> R) -> R {
    storage.withUnsafeBytes { body($0.baseAddress! + offset) }
  }

  func rowStatistics(
    temperature: Double = 1, tokens: [Int64]? = nil, threads: Int = 1, kernel: LogitKernelPath
  ) -> [LogitRowStatistics] {
    let count = decoded.count
    let results = UnsafeMutablePointer<LogitRowStatistics>.allocate(capacity: max(count, 1))
    defer { results.deallocate() }
    withRows { rows in
      if let tokens {
        tokens.withUnsafeBufferPointer { tp in
          computeRowStatistics(
            rows: rows, elementType: elementType, rowCount: count, vocabularySize: vocabularySize,
            rowStride: rowStride, temperature: temperature, sampledTokens: tp.baseAddress,
            into: results, threads: threads, kernel: kernel)
        }
      } else {
        computeRowStatistics(
          rows: rows, elementType: elementType, rowCount: count, vocabularySize: vocabularySize,
          rowStride: rowStride, temperature: temperature, into: results, threads: threads,
          kernel: kernel)
      }
    }
    return Array(UnsafeBufferPointer(start: results, count: count))
  }
}

func changeStatistics(
  _ a: EncodedRows, _ b: EncodedRows, temperature: Double = 1, threads: Int = 1,
  kernel: LogitKernelPath
) -> [LogitChangeStatistics] {
  precondition(a.rowStride == b.rowStride && a.elementType == b.elementType)
  let count = a.decoded.count
  let results = UnsafeMutablePointer<LogitChangeStatistics>.allocate(capacity: max(count, 1))
  defer { results.deallocate() }
  a.withRows { pa in
    b.withRows { pb in
      computeChangeStatistics(
        before: pa, after: pb, elementType: a.elementType, rowCount: count,
        vocabularySize: a.vocabularySize, rowStride: a.rowStride, temperature: temperature,
        into: results, threads: threads, kernel: kernel)
    }
  }
  return Array(UnsafeBufferPointer(start: results, count: count))
}

// MARK: - Float64 references, straight from the definitions

/// log π for x = z/T (max-shifted log-sum-exp in Double; plain summation).
func referenceLogProbabilities(_ z: [Double], temperature: Double) -> [Double] {
  let x = z.map { $0 / temperature }
  let m = x.max()!
  var sum = 0.0
  for v in x { sum += exp(v - m) }
  let lse = m + log(sum)
  return x.map { $0 - lse }
}

struct ReferenceRow {
  var maxLogit, topTwoGap, logSumExp, entropy, sumSquares, expectedS: Double
  var sampledLogProbability, sampledS: Double

  init(_ z: [Double], temperature t: Double, token: Int?) {
    let x = z.map { $0 / t }
    var first = -Double.infinity, second = -Double.infinity
    for v in x {
      if v > first { (first, second) = (v, first) } else if v > second { second = v }
    }
    maxLogit = first
    topTwoGap = x.count > 1 ? first - second : .infinity
    let l = referenceLogProbabilities(z, temperature: t)
    logSumExp = x[0] - l[0]
    let p = l.map { exp($0) }
    var h = 0.0
    for i in p.indices { h -= p[i] * l[i] }  // πᵢ = 0 contributes 0·(finite ℓᵢ) = 0
    entropy = h
    var s2 = 0.0, es = 0.0
    for i in p.indices {
      s2 += p[i] * p[i]
      es += p[i] * p[i] * (l[i] + h)
    }
    sumSquares = s2
    expectedS = es
    if let k = token {
      sampledLogProbability = l[k]
      sampledS = p[k] * (l[k] + h)
    } else {
      sampledLogProbability = .nan
      sampledS = .nan
    }
  }
}

struct ReferenceChange {
  var entropyBefore, entropyAfter, firstOrder, secondOrder, localKL, exactKL: Double

  init(before a: [Double], after b: [Double], temperature t: Double) {
    let la = referenceLogProbabilities(a, temperature: t)
    let lb = referenceLogProbabilities(b, temperature: t)
    let p = la.map { exp($0) }
    let q = lb.map { exp($0) }
    let delta = zip(a, b).map { ($1 - $0) / t }
    var ha = 0.0, hb = 0.0
    for i in p.indices {
      ha -= p[i] * la[i]
      hb -= q[i] * lb[i]
    }
    entropyBefore = ha
    entropyAfter = hb
    func expect(_ f: (Int) -> Double) -> Double {
      var s = 0.0
      for i in p.indices { s += p[i] * f(i) }
      return s
    }
    // −Cov_π(ℓ, Δ) with explicit means.
    let meanL = expect { la[$0] }
    let meanDelta = expect { delta[$0] }
    firstOrder = -(expect { la[$0] * delta[$0] } - meanL * meanDelta)
    // Explicit Hessian-vector product (docs/theory.md#hessian-vector-product): (∇²H)v = −w⊙v + w(πᵀv) + π(wᵀv) − π(πᵀv).
    let w = p.indices.map { p[$0] * (1 + la[$0] + ha) }
    var piV = 0.0, wV = 0.0
    for i in p.indices {
      piV += p[i] * delta[i]
      wV += w[i] * delta[i]
    }
    var quadratic = 0.0
    for i in p.indices {
      let hv = -w[i] * delta[i] + w[i] * piV + p[i] * wV - p[i] * piV
      quadratic += delta[i] * hv
    }
    secondOrder = firstOrder + 0.5 * quadratic
    localKL = 0.5 * (expect { delta[$0] * delta[$0] } - meanDelta * meanDelta)
    exactKL = expect { la[$0] - lb[$0] }
  }
}

/// Rows of V logits ~ N(0, scale²), with an optional peak (one logit raised by `peak`).
func gaussianRows(
  count: Int, vocabularySize: Int, scale: Double, peak: Double = 0, seed: UInt64
) -> [[Double]] {
  var rng = SplitMix64(seed: seed)
  var rows: [[Double]] = []
  for _ in 0..<count {
    var row = [Double](repeating: 0, count: vocabularySize)
    for i in 0..<vocabularySize { row[i] = scale * rng.normal() }
    if peak != 0 { row[Int(rng.next() % UInt64(vocabularySize))] += peak }
    rows.append(row)
  }
  return rows
}

/// All fields as bit patterns, for bit-identity checks (NaN == NaN here).
func bitPatterns(_ s: LogitRowStatistics) -> [UInt64] {
  [
    s.maxLogit, s.topTwoGap, s.logSumExp, s.entropy, s.sumSquaredProbabilities,
    s.expectedDiscriminator, s.sampledLogProbability, s.sampledDiscriminator,
  ].map(\.bitPattern) + [UInt64(s.nonFiniteCount), s.sampledTokenOutOfRange ? 1 : 0]
}

func bitPatterns(_ s: LogitChangeStatistics) -> [UInt64] {
  [s.entropyBefore, s.entropyAfter, s.firstOrder, s.secondOrder, s.localKL, s.exactKL]
    .map(\.bitPattern) + [UInt64(s.nonFiniteCount)]
}

/// The kernel paths the tests run: always scalar, and AVX2 when this CPU has it.
let testedPaths: [LogitKernelPath] =
  LogitKernelPath.isAVX2Available ? [.scalar, .avx2] : [.scalar]

/// Absolute tolerance for a path and element type. The AVX2 path sums float32 lanes over blocks
/// of 1024 elements (each lane ≤ 128 terms, relative error ≲ 128·2⁻²⁴ ≈ 8e-6 worst case, ~1e-7
/// typical) and evaluates exp to ≈ 2 ulp (1.2e-7 relative), so H = log S0 − S1/S0, Σπ², E_π[S]
/// and log πₖ carry ≈ 1e-7·(1 + |E_π[d]|) absolute error; 1e-5 (the contract) leaves a wide margin
/// for E_π[d] up to ~30. The scalar path and float64 rows work in Double throughout (libm exp,
/// blocked double sums) against a plain-summation Double reference: both are good to ~1e-13
/// relative on V = 151,936, so 1e-10·(1 + |value|) is a loose but meaningful bound.
func tolerance(_ path: LogitKernelPath, _ type: LogitElementType, magnitude: Double) -> Double {
  path.effective(for: type) == .avx2 ? 1e-5 : 1e-10 * (1 + abs(magnitude))
}
