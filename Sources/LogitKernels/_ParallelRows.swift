// DeltaH — entropy change of softmax policies.

import Dispatch
import Synchronization
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

/// The default worker count: the environment variable `DELTAH_THREADS` when it is a decimal
/// integer in 1…4096 (set by schedulers that grant CPUs without pinning, e.g. `deltah.ray`),
/// else the number of processors this process may run on (CPU affinity, else online CPUs); ≥ 1.
///
/// - Complexity: O(1).
public var activeProcessorCount: Int { Int(lk_active_processor_count()) }

/// Runs `body` over `0..<rowCount` in batches of `rowsPerBatch` rows (the last may be shorter),
/// on `min(threads, batch count)` workers that claim batches in increasing order from a shared
/// counter (`DispatchQueue.concurrentPerform`; inline when one worker suffices).
///
/// Dynamic claiming keeps both cores busy until the last batch however unevenly rows cost (page
/// faults, the scalar fallback for non-finite rows), with no barrier between batches. Each row's
/// result depends only on that row, so the output is the same for any thread count.
func _forEachRowBatch(
  rowCount: Int, threads: Int, rowsPerBatch: Int, _ body: @Sendable (_ rows: Range<Int>) -> Void
) {
  let batch = max(1, rowsPerBatch)
  let batches = rowCount / batch + (rowCount % batch == 0 ? 0 : 1)
  let workers = max(1, min(threads, batches))
  if workers == 1 {
    var start = 0
    while start < rowCount {
      body(start..<min(start + batch, rowCount))
      start += batch
    }
    return
  }
  let next = Atomic<Int>(0)
  DispatchQueue.concurrentPerform(iterations: workers) { _ in
    while true {
      let start = next.wrappingAdd(batch, ordering: .relaxed).oldValue
      guard start < rowCount else { return }
      body(start..<min(start + batch, rowCount))
    }
  }
}

/// The row loop shared by the batch kernels: rows in batches of about `bytesPerBatch` of input
/// (`_forEachRowBatch`), each result written to `results + r` as `compute(r)`, or `skipped`
/// without calling `compute` where `rowMask` is `false`, and `rowsCompleted` called after each
/// batch.
func _computeRows<Result: Sendable>(
  into results: UnsafeMutablePointer<Result>, rowCount: Int, rowStride: Int, vocabularySize: Int,
  elementType: LogitElementType, bytesPerBatch: Int, rowMask: UnsafePointer<Bool>?,
  skipped: Result, threads: Int, rowsCompleted: (@Sendable (Range<Int>) -> Void)?,
  _ compute: @Sendable (_ row: Int) -> Result
) {
  let output = _SharedPointer(base: results)
  let mask = rowMask.map { _SharedPointer(base: UnsafeMutablePointer(mutating: $0)) }
  let batch = max(1, bytesPerBatch / max(rowStride, vocabularySize * elementType.byteWidth, 1))
  _forEachRowBatch(rowCount: rowCount, threads: threads, rowsPerBatch: batch) { range in
    for r in range {
      let included = mask?.base[r] ?? true
      (output.base + r).initialize(to: included ? compute(r) : skipped)
    }
    rowsCompleted?(range)
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
