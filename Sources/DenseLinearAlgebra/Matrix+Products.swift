// DeltaH — entropy change of softmax policies.

import DenseMatrix
import CCBLAS

extension Matrix {
  /// The matrix-vector product y = A x, through BLAS `dgemv`.
  ///
  /// - Precondition: `x.count == columns`.
  /// - Complexity: O(rows · columns).
  public func multiplied(by x: [Double]) -> [Double] {
    precondition(x.count == columns, "Vector has \(x.count) elements, matrix has \(columns) columns")
    var y = [Double](repeating: 0, count: rows)
    guard rows > 0, columns > 0 else { return y }
    guard BLASWorkspace.isAvailable else {  // plain loops where OpenBLAS could not allocate
      for i in 0..<rows {
        var s = 0.0
        for j in 0..<columns { s += elements[i * columns + j] * x[j] }
        y[i] = s
      }
      return y
    }
    elements.withUnsafeBufferPointer { a in
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          cblas_dgemv(
            CblasRowMajor, CblasNoTrans, blasint(rows), blasint(columns), 1,
            a.baseAddress, blasint(columns), xp.baseAddress, 1, 0, yp.baseAddress, 1)
        }
      }
    }
    return y
  }

  /// The matrix product C = A B, through BLAS `dgemm`.
  ///
  /// - Precondition: `columns == other.rows`.
  /// - Complexity: O(rows · columns · other.columns).
  public func multiplied(by other: Matrix) -> Matrix {
    precondition(columns == other.rows, "Inner dimensions differ: \(columns) vs \(other.rows)")
    var c = Matrix(rows: rows, columns: other.columns)
    guard rows > 0, other.columns > 0, columns > 0 else { return c }
    guard BLASWorkspace.isAvailable else {  // plain loops where OpenBLAS could not allocate
      let m = other.columns
      for i in 0..<rows {
        for k in 0..<columns {
          let a = elements[i * columns + k]
          for j in 0..<m { c.elements[i * m + j] += a * other.elements[k * m + j] }
        }
      }
      return c
    }
    elements.withUnsafeBufferPointer { a in
      other.elements.withUnsafeBufferPointer { b in
        c.elements.withUnsafeMutableBufferPointer { cp in
          cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows), blasint(other.columns),
            blasint(columns), 1, a.baseAddress, blasint(columns), b.baseAddress,
            blasint(other.columns), 0, cp.baseAddress, blasint(other.columns))
        }
      }
    }
    return c
  }
}
