// DeltaH — entropy change of softmax policies.

import Dispatch
import RealModule

/// The benchmark matrices: `rows × vocabularySize` logits before (`before`) and after a small
/// update (`after`), as float32 and as bfloat16 (round to nearest even), plus one sampled token
/// per row. Row r has logits ~ N(0, σ_r²) with σ_r cycling through 0.5…4, every 8th row has one
/// logit raised by 15 (a peaked, low-entropy row), and after = before + 0.05·σ_r·N(0, 1).
/// Generation is seeded per row, so the data do not depend on the thread count.
struct BenchmarkData {
  let rows: Int
  let vocabularySize: Int
  var before: [Float]
  var after: [Float]
  var beforeBF16: [UInt16]
  var afterBF16: [UInt16]
  var tokens: [Int64]

  init(rows: Int, vocabularySize v: Int, seed: UInt64) {
    self.rows = rows
    vocabularySize = v
    let count = rows * v
    var before = [Float](repeating: 0, count: count)
    var after = [Float](repeating: 0, count: count)
    var beforeBF16 = [UInt16](repeating: 0, count: count)
    var afterBF16 = [UInt16](repeating: 0, count: count)
    let scales: [Double] = [0.5, 1, 2, 3, 4]
    before.withUnsafeMutableBufferPointer { b in
      after.withUnsafeMutableBufferPointer { a in
        beforeBF16.withUnsafeMutableBufferPointer { bh in
          afterBF16.withUnsafeMutableBufferPointer { ah in
            let pointers = Pointers(
              before: b.baseAddress!, after: a.baseAddress!, beforeBF16: bh.baseAddress!,
              afterBF16: ah.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: rows) { r in
              var rng = SplitMix64(seed: seed &+ UInt64(r) &* 0x9E37_79B9)
              let sigma = scales[r % scales.count]
              let peak = r % 8 == 0 ? (r &* 7919) % v : -1
              for i in 0..<v {
                var z = sigma * rng.normal()
                if i == peak { z += 15 }
                let zb = z + 0.05 * sigma * rng.normal()
                let at = r * v + i
                pointers.before[at] = Float(z)
                pointers.after[at] = Float(zb)
                pointers.beforeBF16[at] = bfloat16(Float(z))
                pointers.afterBF16[at] = bfloat16(Float(zb))
              }
            }
          }
        }
      }
    }
    self.before = before
    self.after = after
    self.beforeBF16 = beforeBF16
    self.afterBF16 = afterBF16
    tokens = (0..<rows).map { Int64(($0 &* 104_729) % v) }
  }

  /// Raw pointers for the generator's workers, which write disjoint rows.
  private struct Pointers: @unchecked Sendable {
    let before: UnsafeMutablePointer<Float>
    let after: UnsafeMutablePointer<Float>
    let beforeBF16: UnsafeMutablePointer<UInt16>
    let afterBF16: UnsafeMutablePointer<UInt16>
  }
}

/// float → bfloat16, round to nearest even (finite inputs).
func bfloat16(_ f: Float) -> UInt16 {
  let bits = f.bitPattern
  return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
}

/// SplitMix64 with a Box–Muller normal.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func normal() -> Double {
    let u1 = 1 - Double(next() >> 11) * 0x1p-53
    let u2 = Double(next() >> 11) * 0x1p-53
    return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
  }
}
