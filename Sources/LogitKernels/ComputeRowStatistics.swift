// DeltaH — entropy change of softmax policies.

import _LogitKernelsC

/// Computes ``LogitRowStatistics`` for `rowCount` logit rows laid out `rowStride` bytes apart.
///
/// Row r starts at `rows + r·rowStride` and holds `vocabularySize` elements of `elementType`
/// (any alignment). With x = z/T, m = max x, d = x − m, e = exp d, each row takes two passes —
/// max/second max/non-finite count, then
///
///     S0 = Σ e,  S1 = Σ e·d,  S2 = Σ e²,  S3 = Σ e²·d
///
/// — and the statistics follow in Double: log Z = log S0, LSE = m + log Z, H = log Z − S1/S0,
/// Σπ² = S2/S0², E_π[S] = (S3 − S2·S1/S0)/S0², ℓₖ = xₖ − LSE, Sₖ = πₖ(ℓₖ + H).
///
/// Rows are claimed in batches of about 4 MiB by `threads` workers (`DispatchQueue.concurrentPerform`
/// plus a shared counter), so both cores stay busy to the end; results are bit-identical for every
/// thread count.
///
/// Accuracy (``LogitKernelPath/avx2``, V = 151,936, logits up to scale 30): |ΔH|, |ΔE_π[S]|,
/// |ΔΣπ²|, |Δ log πₖ| ≲ 2e-6 against a float64 evaluation of the definitions (measured ≤ 1.2e-6,
/// growing with |E_π[x − m]|); the scalar path and float64 rows agree to ≈ 1e-12.
///
/// - Parameters:
///   - rows: the first row's first byte; the memory must stay valid for the call.
///   - elementType: the encoding of each logit.
///   - rowCount: number of rows (≥ 0).
///   - vocabularySize: V ≥ 1, elements per row.
///   - rowStride: bytes from one row to the next (≥ V·`elementType.byteWidth` when rowCount > 1).
///   - temperature: T, finite and > 0; logits are divided by it before the softmax.
///   - sampledTokens: `rowCount` token ids, or `nil`. An id outside 0..<V yields NaN sampled
///     fields and ``LogitRowStatistics/sampledTokenOutOfRange`` = `true`; it never traps.
///   - rowMask: `rowCount` flags, or `nil` for all rows. A row whose flag is `false` (a padding
///     position) is not read at all, so its pages are never touched; its slot gets
///     ``LogitRowStatistics/skipped``.
///   - results: `rowCount` slots, written (not read) by the call.
///   - threads: worker count; `nil` means ``activeProcessorCount``.
///   - kernel: the implementation to use; defaults to ``LogitKernelPath/preferred``.
///   - rowsCompleted: called on the worker thread after each batch of rows has been computed and
///     its results written, with the batch's row range (batches complete in no fixed order). A
///     streaming reader uses it to drop the batch's pages from memory and to report progress.
/// - Precondition: the shape constraints above.
/// - Complexity: O(rowCount · V) time in one streaming pass per row (each block of a row is
///   scanned, then summed from L1), O(threads) extra memory.
public func computeRowStatistics(
  rows: UnsafeRawPointer,
  elementType: LogitElementType,
  rowCount: Int,
  vocabularySize: Int,
  rowStride: Int,
  temperature: Double = 1,
  sampledTokens: UnsafePointer<Int64>? = nil,
  rowMask: UnsafePointer<Bool>? = nil,
  into results: UnsafeMutablePointer<LogitRowStatistics>,
  threads: Int? = nil,
  kernel: LogitKernelPath = .preferred,
  rowsCompleted: (@Sendable (Range<Int>) -> Void)? = nil
) {
  let threads = threads ?? activeProcessorCount
  _checkRowLayout(
    elementType: elementType, rowCount: rowCount, vocabularySize: vocabularySize,
    rowStride: rowStride, temperature: temperature, threads: threads)
  let input = _SharedRawPointer(base: rows)
  let tokens = sampledTokens.map { _SharedPointer(base: UnsafeMutablePointer(mutating: $0)) }
  let type = elementType.code
  let path = kernel.code
  let n = Int64(vocabularySize)
  let inverseTemperature = 1 / temperature
  _computeRows(
    into: results, rowCount: rowCount, rowStride: rowStride, vocabularySize: vocabularySize,
    elementType: elementType, bytesPerBatch: 4 << 20, rowMask: rowMask, skipped: .skipped,
    threads: threads, rowsCompleted: rowsCompleted
  ) { r in
    let row = input.base + r * rowStride
    var sums = lk_row_sums()
    lk_row_sums_compute(row, type, n, inverseTemperature, path, &sums)
    var sampledLogit: Double? = nil
    var outOfRange = false
    if let tokens {
      let k = tokens.base[r]
      if k >= 0 && k < n {
        sampledLogit = lk_load_element(row, type, k)
      } else {
        outOfRange = true
      }
    }
    return LogitRowStatistics(
      sums: sums, temperature: temperature, sampledLogit: sampledLogit,
      sampledTokenOutOfRange: outOfRange)
  }
}
