// DeltaH — entropy change of softmax policies.

import LogitDumps
import LogitKernels

extension CheckpointComparison {
  /// Change statistics of two logit tensors of different float types (an F32 checkpoint against
  /// a BF16 one of the same positions): batches of rows of both are decoded exactly to `Double`
  /// and passed to the F64 kernel, so the result is the one of comparing the two F64 conversions.
  ///
  /// - Throws: ``DumpError`` when either tensor is DEFLATE-compressed (rows are paired by index).
  /// - Complexity: O(N · V) decoding and kernel work; memory O(batch · V).
  static func mixedTypeStatistics(
    before a: Tensor, after b: Tensor, temperature: Double, mask: [Bool],
    into results: UnsafeMutablePointer<LogitChangeStatistics>, progress: (@Sendable (Int, Int) -> Void)?
  ) throws(DumpError) {
    guard a.isMapped, b.isMapped else {
      throw DumpError(file: (a.isMapped ? b : a).file, tensor: "logits", problem: "logits of different element types (\(a.elementType), \(b.elementType)) are compared only when neither is DEFLATE-compressed")
    }
    let n = a.rowCount, v = a.rowLength
    let rowsPerBatch = max(1, (4 << 20) / max(v * 8, 1))
    var lo = 0
    while lo < n {
      let hi = min(n, lo + rowsPerBatch)
      let x = try a.doubleRows(Array(lo..<hi)).flatMap { $0 }
      let y = try b.doubleRows(Array(lo..<hi)).flatMap { $0 }
      x.withUnsafeBytes { xb in
        y.withUnsafeBytes { yb in
          mask.withUnsafeBufferPointer { m in
            computeChangeStatistics(
              before: xb.baseAddress!, after: yb.baseAddress!, elementType: .float64, rowCount: hi - lo,
              vocabularySize: v, rowStride: v * 8, temperature: temperature, rowMask: m.baseAddress! + lo,
              into: results + lo)
          }
        }
      }
      a.releaseRows(lo..<hi)
      b.releaseRows(lo..<hi)
      progress?(hi, n)
      lo = hi
    }
  }
}
