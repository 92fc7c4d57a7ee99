// DeltaH — entropy change of softmax policies.

import DenseMatrix
import CLAPACKE

/// Eigenvalues of the real symmetric tridiagonal matrix with diagonal `diagonal` (length n) and
/// off-diagonal `offDiagonal` (length n − 1), by LAPACK `dstev`, in ascending order.
///
/// This is the small eigenproblem inside a Lanczos iteration: T_k = tridiag(β, α, β).
///
/// - Throws: `LinearAlgebraError` when LAPACK fails to converge.
/// - Precondition: `offDiagonal.count == max(0, diagonal.count − 1)`.
/// - Complexity: O(n²).
public func tridiagonalEigenvalues(
  diagonal: [Double], offDiagonal: [Double]
) throws(LinearAlgebraError) -> [Double] {
  try tridiagonalEigensystem(diagonal: diagonal, offDiagonal: offDiagonal, computeEigenvectors: false).eigenvalues
}

/// Eigenvalues (ascending) and, optionally, eigenvectors of a symmetric tridiagonal matrix, by
/// LAPACK `dstev`. Eigenvector j is column j of the returned n×n matrix.
///
/// - Throws: `LinearAlgebraError` when LAPACK fails to converge.
/// - Precondition: `offDiagonal.count == max(0, diagonal.count − 1)`.
/// - Complexity: O(n²) for eigenvalues, O(n³) with eigenvectors.
public func tridiagonalEigensystem(
  diagonal: [Double], offDiagonal: [Double], computeEigenvectors: Bool
) throws(LinearAlgebraError) -> (eigenvalues: [Double], eigenvectors: Matrix?) {
  let n = diagonal.count
  precondition(offDiagonal.count == max(0, n - 1), "A tridiagonal matrix of size \(n) has \(max(0, n - 1)) off-diagonal elements, got \(offDiagonal.count)")
  guard n > 0 else { return ([], computeEigenvectors ? Matrix(rows: 0, columns: 0) : nil) }
  try BLASWorkspace.require("dstev")  // under a tight ulimit -v OpenBLAS would hang
  var d = diagonal
  var e = offDiagonal + [0]  // LAPACK may touch e[n-1] as workspace.
  // Column-major: LAPACKE's row-major path insists on ldz ≥ n even when no vectors are wanted.
  var z = [Double](repeating: 0, count: computeEigenvectors ? n * n : 1)
  let job = CChar(UInt8(ascii: computeEigenvectors ? "V" : "N"))
  let info = d.withUnsafeMutableBufferPointer { dp in
    e.withUnsafeMutableBufferPointer { ep in
      z.withUnsafeMutableBufferPointer { zp in
        LAPACKE_dstev(
          LAPACK_COL_MAJOR, job, clapack_int(n), dp.baseAddress, ep.baseAddress, zp.baseAddress,
          clapack_int(computeEigenvectors ? n : 1))
      }
    }
  }
  guard info == 0 else {
    throw LinearAlgebraError(
      routine: "dstev", info: info,
      reason: info < 0 ? "argument \(-info) is illegal" : "\(info) off-diagonal elements did not converge to zero")
  }
  guard computeEigenvectors else { return (d, nil) }
  // z is column-major: element (i, j) at z[i + j·n]; Matrix is row-major.
  return (d, Matrix(rows: n, columns: n, elements: z).transposed)
}
