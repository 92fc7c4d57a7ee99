// DeltaH — entropy change of softmax policies.

import LogitDumps
import Synchronization

/// The one streaming driver over the logit row kernels, shared by ``PositionTable`` (one tensor)
/// and ``CheckpointComparison`` (a pair of tensors of the same layout).
///
/// - Every tensor memory-mapped: one pass over `rows`; the kernel runs its rows in parallel and
///   reports each finished batch, whose pages are released at once, so memory stays flat.
/// - Otherwise the DEFLATE-compressed tensor streams sequentially through one reused buffer in
///   chunks of about `chunkBytes`, each chunk clamped to `rows` and paired with the same rows of
///   the other (memory-mapped) tensor, which are released after the chunk.
///
/// Progress is (rows done, rows in `rows`), never called concurrently with itself.
enum LogitRowPass {
  /// The kernel call for `rows` (absolute row indices), with the first and, for a pair, the
  /// second tensor's bytes of those rows, and the batch-completion callback (row ranges relative
  /// to `rows.lowerBound`) to pass to the kernel, or nil on the sequential path.
  typealias Kernel = (
    _ rows: Range<Int>, _ first: UnsafeRawPointer, _ second: UnsafeRawPointer?,
    _ rowsCompleted: (@Sendable (Range<Int>) -> Void)?
  ) -> Void

  /// Runs `kernel` over rows `range` of `first` (and `second`).
  ///
  /// - Precondition: at most one of the tensors is compressed (callers report that case first).
  /// - Throws: whatever reading the rows throws (``DumpError`` for corrupt or truncated data).
  /// - Complexity: O(|range| · row bytes) reading plus the kernel's work.
  static func run(
    _ first: Tensor, _ second: Tensor? = nil, rows range: Range<Int>, chunkBytes: Int,
    progress: (@Sendable (Int, Int) -> Void)?, kernel: Kernel
  ) throws {
    let total = range.count
    if first.isMapped && (second?.isMapped ?? true) {
      let done = Mutex(0)
      try first.withRows(range) { x in
        guard let xa = x.baseAddress else { return }
        func pass(_ yb: UnsafeRawPointer?) {
          kernel(range, xa, yb) { batch in
            let rows = (batch.lowerBound + range.lowerBound)..<(batch.upperBound + range.lowerBound)
            first.releaseRows(rows)
            second?.releaseRows(rows)
            done.withLock { count in
              count += batch.count
              progress?(count, total)
            }
          }
        }
        if let second {
          try second.withRows(range) { y in
            guard let yb = y.baseAddress else { return }
            pass(yb)
          }
        } else {
          pass(nil)
        }
      }
      return
    }
    let (streamed, paired, streamedIsFirst): (Tensor, Tensor?, Bool) = first.isMapped ? (second!, first, false) : (first, second, true)
    precondition(paired?.isMapped ?? true, "LogitRowPass: both tensors are compressed")
    let rowBytes = streamed.rowByteCount
    var done = 0
    try streamed.forEachRowChunk(rowsPerChunk: max(1, chunkBytes / max(rowBytes, 1))) { rows, bytes in
      let lo = max(rows.lowerBound, range.lowerBound), hi = min(rows.upperBound, range.upperBound)
      guard lo < hi, let base = bytes.baseAddress else { return }
      let s = base + (lo - rows.lowerBound) * rowBytes
      if let paired {
        try paired.withRows(lo..<hi) { other in
          guard let o = other.baseAddress else { return }
          if streamedIsFirst { kernel(lo..<hi, s, o, nil) } else { kernel(lo..<hi, o, s, nil) }
        }
        paired.releaseRows(lo..<hi)
      } else {
        kernel(lo..<hi, s, nil, nil)
      }
      done += hi - lo
      progress?(done, total)
    }
  }
}
