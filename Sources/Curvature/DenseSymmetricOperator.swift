// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra

/// A dense symmetric matrix as an operator (products by BLAS `dgemv`).
///
/// Useful to run the Lanczos solver on a matrix with a known spectrum, and as the "small K"
/// fallback for any operator through ``SymmetricLinearOperator/materialised()``.
public struct DenseSymmetricOperator: SymmetricLinearOperator, Sendable {
  /// The matrix A (assumed symmetric; not checked).
  public let matrix: Matrix

  /// Wraps a square symmetric matrix.
  ///
  /// - Precondition: `matrix` is square.
  /// - Complexity: O(1).
  public init(_ matrix: Matrix) {
    precondition(matrix.rows == matrix.columns, "a symmetric operator needs a square matrix, got \(matrix.rows)×\(matrix.columns)")
    self.matrix = matrix
  }

  /// The dimension n.
  ///
  /// - Complexity: O(1).
  public var dimension: Int { matrix.rows }

  /// y = A x by `dgemv`.
  ///
  /// - Complexity: O(n²).
  public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    let n = dimension
    precondition(x.count == n && y.count == n, "matrix product of dimension \(n) on vectors of \(x.count) and \(y.count)")
    guard n > 0 else { return }
    guard BLASWorkspace.isAvailable else {  // plain loops where OpenBLAS could not allocate
      for i in 0..<n {
        var s = 0.0
        for j in 0..<n { s += matrix.elements[i * n + j] * x[j] }
        y[i] = s
      }
      return
    }
    matrix.elements.withUnsafeBufferPointer { a in
      BLAS.gemv(transposed: false, rows: n, columns: n, alpha: 1, a.baseAddress, x.baseAddress, beta: 0, y.baseAddress)
    }
  }
}
