// DeltaH — entropy change of softmax policies.

import _LogitKernelsC

/// Which implementation of the row passes runs.
///
/// * ``avx2``: AVX2 + FMA + F16C vector code. The exponential is the
///   Cephes single-precision polynomial after a Cody–Waite reduction (≈ 2 ulp); sums are kept in
///   8 float lanes over blocks of 1024 elements and in Double across blocks, so a sum of
///   151,936 terms carries ≈ 1e-7 relative rounding error.
/// * ``scalar``: portable C; every element is widened to Double and exponentiated with libm, sums
///   in Double (≈ 1e-15 relative). About 10× slower.
///
/// float64 rows always use the scalar implementation. Asking for ``avx2`` on a CPU without it
/// silently runs ``scalar``; ``effective(for:)`` tells which one will run.
public enum LogitKernelPath: Sendable, Hashable, CaseIterable {
  case scalar
  case avx2

  /// `true` if this CPU can run the ``avx2`` path (AVX2, FMA and F16C).
  ///
  /// - Complexity: O(1).
  public static var isAVX2Available: Bool {
    lk_effective_kernel(Int32(LK_KERNEL_AVX2), Int32(LK_FLOAT32)) == Int32(LK_KERNEL_AVX2)
  }

  /// The default path: ``avx2`` when available, unless the environment variable
  /// `DELTAH_KERNEL` is `scalar` (read once, on first use).
  ///
  /// - Complexity: O(1).
  public static let preferred: LogitKernelPath =
    lk_environment_forces_scalar() != 0 ? .scalar : (isAVX2Available ? .avx2 : .scalar)

  /// The path that actually runs for rows of `elementType` when `self` is requested.
  ///
  /// - Complexity: O(1).
  public func effective(for elementType: LogitElementType) -> LogitKernelPath {
    lk_effective_kernel(code, elementType.code) == Int32(LK_KERNEL_AVX2) ? .avx2 : .scalar
  }

  var code: Int32 {
    switch self {
    case .scalar: Int32(LK_KERNEL_SCALAR)
    case .avx2: Int32(LK_KERNEL_AVX2)
    }
  }
}
