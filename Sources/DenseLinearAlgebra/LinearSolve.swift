// DeltaH — entropy change of softmax policies.

import DenseMatrix
import CLAPACKE

/// Solves the square linear system A x = b by LU factorisation with partial pivoting (LAPACK
/// `dgesv`).
///
/// - Throws: `LinearAlgebraError` when A is exactly singular (a zero pivot).
/// - Precondition: `a` is square and `b.count == a.rows`.
/// - Complexity: O(n³).
public func solveLinearSystem(_ a: Matrix, _ b: [Double]) throws(LinearAlgebraError) -> [Double] {
  precondition(a.rows == a.columns, "dgesv needs a square matrix, got \(a.rows)×\(a.columns)")
  precondition(b.count == a.rows, "Right-hand side has \(b.count) elements, matrix has \(a.rows) rows")
  let n = a.rows
  guard n > 0 else { return [] }
  try BLASWorkspace.require("dgesv")  // under a tight ulimit -v OpenBLAS would hang
  var lu = a.elements
  var x = b
  var pivots = [clapack_int](repeating: 0, count: n)
  let info = lu.withUnsafeMutableBufferPointer { ap in
    x.withUnsafeMutableBufferPointer { xp in
      pivots.withUnsafeMutableBufferPointer { pp in
        LAPACKE_dgesv(
          LAPACK_ROW_MAJOR, clapack_int(n), 1, ap.baseAddress, clapack_int(n), pp.baseAddress,
          xp.baseAddress, 1)
      }
    }
  }
  guard info == 0 else {
    throw LinearAlgebraError(
      routine: "dgesv", info: info,
      reason: info < 0 ? "argument \(-info) is illegal" : "the matrix is singular (U[\(info - 1),\(info - 1)] = 0)")
  }
  return x
}
