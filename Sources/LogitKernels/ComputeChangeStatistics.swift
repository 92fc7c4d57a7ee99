// DeltaH — entropy change of softmax policies.

import _LogitKernelsC

/// Computes ``LogitChangeStatistics`` for `rowCount` pairs of rows: the same positions under the
/// checkpoint before (`before`) and after (`after`) an update, both laid out `rowStride` bytes
/// apart with `vocabularySize` elements of `elementType`.
///
/// With d = (a − max a)/T, f = (b − max b)/T, e = exp d, δ = f − d (which equals Δ = (b − a)/T up
/// to a constant that no statistic depends on), one pass after the max pass accumulates
///
///     Σe, Σe·d, Σ exp f, Σ exp(f)·f, Σe·δ, Σe·d·δ, Σe·δ², Σe·d·δ², Σe·φ(δ)   (φ(t) = eᵗ − 1 − t)
///
/// (two exponentials per element; e·φ(δ) is a polynomial in δ for small |δ| and
/// exp(f)·e^(δ−(f−d)) − e − e·δ otherwise) and the results follow in Double:
///
///     H_a = log Σe − E[d],  firstOrder = −Cov_π(ℓ, Δ),
///     secondOrder = firstOrder + ½[−Σ wΔ² + 2(wᵀΔ)(πᵀΔ) − (πᵀΔ)²],  w = π⊙(1 + ℓ + H_a),
///     localKL = ½ Var_π(Δ),  exactKL = log1p(E_π[δ] + E_π[φ(δ)]) − E_π[δ]
///
/// (the exact KL without cancelling log Z_b − log Z_a, so it keeps its relative accuracy at the
/// KL ≈ 1e-9 of small steps; see ``LogitChangeStatistics``).
///
/// Rows are claimed in batches of about 4 MiB (both inputs together) by `threads` workers;
/// results are bit-identical for every thread count.
///
/// - Parameters:
///   - before: the first row of checkpoint a.
///   - after: the first row of checkpoint b (same layout).
///   - elementType: the encoding of each logit.
///   - rowCount: number of positions (≥ 0).
///   - vocabularySize: V ≥ 1.
///   - rowStride: bytes from one row to the next, in both inputs.
///   - temperature: T, finite and > 0.
///   - rowMask: `rowCount` flags, or `nil` for all positions. A position whose flag is `false` is
///     not read; its slot gets ``LogitChangeStatistics/skipped``.
///   - results: `rowCount` slots, written (not read) by the call.
///   - threads: worker count; `nil` means ``activeProcessorCount``.
///   - kernel: the implementation to use; defaults to ``LogitKernelPath/preferred``.
///   - rowsCompleted: called on the worker thread after each batch of rows has been computed,
///     with the batch's row range (batches complete in no fixed order).
/// - Precondition: the shape constraints of ``computeRowStatistics(rows:elementType:rowCount:vocabularySize:rowStride:temperature:sampledTokens:rowMask:into:threads:kernel:rowsCompleted:)``.
/// - Complexity: O(rowCount · V) time, O(threads) extra memory.
public func computeChangeStatistics(
  before: UnsafeRawPointer,
  after: UnsafeRawPointer,
  elementType: LogitElementType,
  rowCount: Int,
  vocabularySize: Int,
  rowStride: Int,
  temperature: Double = 1,
  rowMask: UnsafePointer<Bool>? = nil,
  into results: UnsafeMutablePointer<LogitChangeStatistics>,
  threads: Int? = nil,
  kernel: LogitKernelPath = .preferred,
  rowsCompleted: (@Sendable (Range<Int>) -> Void)? = nil
) {
  let threads = threads ?? activeProcessorCount
  _checkRowLayout(
    elementType: elementType, rowCount: rowCount, vocabularySize: vocabularySize,
    rowStride: rowStride, temperature: temperature, threads: threads)
  let inputA = _SharedRawPointer(base: before)
  let inputB = _SharedRawPointer(base: after)
  let type = elementType.code
  let path = kernel.code
  let n = Int64(vocabularySize)
  let inverseTemperature = 1 / temperature
  _computeRows(
    into: results, rowCount: rowCount, rowStride: rowStride, vocabularySize: vocabularySize,
    elementType: elementType, bytesPerBatch: 2 << 20, rowMask: rowMask, skipped: .skipped,
    threads: threads, rowsCompleted: rowsCompleted
  ) { r in
    var sums = lk_change_sums()
    lk_change_sums_compute(
      inputA.base + r * rowStride, inputB.base + r * rowStride, type, n, inverseTemperature, path,
      &sums)
    return LogitChangeStatistics(sums: sums)
  }
}
