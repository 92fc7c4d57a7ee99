// DeltaH — entropy change of softmax policies.

import Dispatch
import _LogitKernelsC

/// A pointer handed to worker threads. Workers only read the inputs and write disjoint result
/// rows, which is what makes the `@unchecked Sendable` sound.
struct _SharedPointer<Pointee>: @unchecked Sendable {
  let base: UnsafeMutablePointer<Pointee>
}

/// A read-only raw pointer handed to worker threads.
struct _SharedRawPointer: @unchecked Sendable {
  let base: UnsafeRawPointer
}

/// The number of processors this process may run on (CPU affinity, else online CPUs); ≥ 1.
///
/// - Complexity: O(1).
public var activeProcessorCount: Int { Int(lk_active_processor_count()) }

/// Runs `body` over `0..<rowCount` split into `min(threads, rowCount)` contiguous chunks, one per
/// `DispatchQueue.concurrentPerform` iteration (inline when only one chunk).
///
/// Each row's result depends only on that row, so the output is the same for any thread count.
func _forEachRowChunk(
  rowCount: Int, threads: Int, _ body: @Sendable (_ rows: Range<Int>) -> Void
) {
  let workers = max(1, min(threads, rowCount))
  if workers == 1 {
    if rowCount > 0 { body(0..<rowCount) }
    return
  }
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    body(rowCount * worker / workers..<rowCount * (worker + 1) / workers)
  }
}

/// Shape checks shared by the batch entry points.
func _checkRowLayout(
  elementType: LogitElementType, rowCount: Int, vocabularySize: Int, rowStride: Int,
  temperature: Double, threads: Int
) {
  precondition(rowCount >= 0, "rowCount \(rowCount) is negative")
  precondition(vocabularySize >= 1, "vocabularySize \(vocabularySize) must be at least 1")
  precondition(
    rowCount <= 1 || rowStride >= vocabularySize * elementType.byteWidth,
    "rowStride \(rowStride) bytes is shorter than a row of \(vocabularySize) \(elementType) elements")
  precondition(
    temperature.isFinite && temperature > 0, "temperature \(temperature) must be finite and > 0")
  precondition(threads >= 1, "threads \(threads) must be at least 1")
}
