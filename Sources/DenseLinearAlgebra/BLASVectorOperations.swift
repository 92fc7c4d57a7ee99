// DeltaH — entropy change of softmax policies.

import CCBLAS

/// Thin wrappers over the level-1 and level-2 BLAS routines that iterative solvers (Lanczos in
/// Curvature) run on raw, contiguous storage, so that only this module imports the BLAS shim.
///
/// Vectors have unit stride; matrices are row-major with leading dimension `columns`. Every
/// routine is O(length) (level 1) or O(rows · columns) (level 2) and allocates nothing.
public enum BLAS {
  /// xᵀy (`ddot`) over the first `count` elements.
  ///
  /// - Complexity: O(count).
  public static func dot(_ count: Int, _ x: UnsafePointer<Double>?, _ y: UnsafePointer<Double>?) -> Double {
    cblas_ddot(blasint(count), x, 1, y, 1)
  }

  /// y ← αx + y (`daxpy`) over the first `count` elements.
  ///
  /// - Complexity: O(count).
  public static func axpy(_ count: Int, _ alpha: Double, _ x: UnsafePointer<Double>?, _ y: UnsafeMutablePointer<Double>?) {
    cblas_daxpy(blasint(count), alpha, x, 1, y, 1)
  }

  /// ‖x‖₂ (`dnrm2`, scaled to avoid overflow) over the first `count` elements.
  ///
  /// - Complexity: O(count).
  public static func norm(_ count: Int, _ x: UnsafePointer<Double>?) -> Double {
    cblas_dnrm2(blasint(count), x, 1)
  }

  /// x ← αx (`dscal`) over the first `count` elements.
  ///
  /// - Complexity: O(count).
  public static func scale(_ count: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>?) {
    cblas_dscal(blasint(count), alpha, x, 1)
  }

  /// y ← α·op(A)·x + β·y (`dgemv`) for a row-major `rows`×`columns` matrix A, op(A) = A or Aᵀ.
  ///
  /// x has `columns` elements (`rows` when transposed), y has `rows` (`columns` when transposed).
  ///
  /// - Complexity: O(rows · columns).
  public static func gemv(
    transposed: Bool, rows: Int, columns: Int, alpha: Double, _ a: UnsafePointer<Double>?,
    _ x: UnsafePointer<Double>?, beta: Double, _ y: UnsafeMutablePointer<Double>?
  ) {
    cblas_dgemv(
      CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, blasint(rows), blasint(columns), alpha, a,
      blasint(columns), x, 1, beta, y, 1)
  }
}
