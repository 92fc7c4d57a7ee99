// DeltaH — entropy change of softmax policies.

import DenseMatrix
import CLAPACKE

/// The eigendecomposition A = Q diag(λ) Qᵀ of a real symmetric matrix, by LAPACK `dsyevd`
/// (divide and conquer).
public struct SymmetricEigendecomposition: Sendable {
  /// Eigenvalues λ in ascending order.
  public let eigenvalues: [Double]
  /// Orthonormal eigenvectors as the columns of an n×n matrix (column j belongs to λ_j), or nil
  /// when only eigenvalues were asked for.
  public let eigenvectors: Matrix?

  /// Decomposes the symmetric matrix `a` (its upper triangle is read).
  ///
  /// - Parameters:
  ///   - a: A square symmetric matrix.
  ///   - computeEigenvectors: Also compute Q (about 3× the work of eigenvalues alone).
  /// - Throws: `LinearAlgebraError` when LAPACK reports a failure to converge.
  /// - Precondition: `a` is square.
  /// - Complexity: O(n³).
  public init(_ a: Matrix, computeEigenvectors: Bool = false) throws(LinearAlgebraError) {
    precondition(a.rows == a.columns, "dsyevd needs a square matrix, got \(a.rows)×\(a.columns)")
    let n = a.rows
    guard n > 0 else {
      eigenvalues = []
      eigenvectors = computeEigenvectors ? Matrix(rows: 0, columns: 0) : nil
      return
    }
    try BLASWorkspace.require("dsyevd")  // under a tight ulimit -v OpenBLAS would hang
    var storage = a.elements
    var w = [Double](repeating: 0, count: n)
    let job = CChar(UInt8(ascii: computeEigenvectors ? "V" : "N"))
    let info = storage.withUnsafeMutableBufferPointer { ap in
      w.withUnsafeMutableBufferPointer { wp in
        LAPACKE_dsyevd(
          LAPACK_ROW_MAJOR, job, CChar(UInt8(ascii: "U")), clapack_int(n), ap.baseAddress,
          clapack_int(n), wp.baseAddress)
      }
    }
    guard info == 0 else {
      throw LinearAlgebraError(
        routine: "dsyevd", info: info,
        reason: info < 0 ? "argument \(-info) is illegal" : "the algorithm failed to converge")
    }
    eigenvalues = w
    eigenvectors = computeEigenvectors ? Matrix(rows: n, columns: n, elements: storage) : nil
  }
}
