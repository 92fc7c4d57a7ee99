// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra

/// A real symmetric linear operator A on Rⁿ, known only through its products y = A x.
///
/// The eigensolvers (``LanczosEigensolver``) need nothing else, so an operator whose product
/// costs O(n) (the Fisher matrix and the Hessians of a softmax policy) never forms its n×n
/// matrix. Conforming types promise that A is symmetric; nothing checks it.
public protocol SymmetricLinearOperator {
  /// The dimension n (A is n×n).
  var dimension: Int { get }

  /// Writes y = A x into `y` without allocating.
  ///
  /// - Precondition: `x.count == dimension`, `y.count == dimension`, and the buffers do not
  ///   overlap.
  func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
}

extension SymmetricLinearOperator {
  /// The product y = A x as a new array.
  ///
  /// - Precondition: `x.count == dimension`.
  /// - Complexity: one product (O(n) for the softmax operators, O(n²) for a dense matrix).
  public func apply(_ x: [Double]) -> [Double] {
    precondition(x.count == dimension, "vector has \(x.count) elements, operator has dimension \(dimension)")
    var y = [Double](repeating: 0, count: dimension)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in apply(xp, into: yp) }
    }
    return y
  }

  /// The dense n×n matrix of the operator, column j = A e_j, symmetrised as (M + Mᵀ)/2 to
  /// remove the rounding asymmetry of the products.
  ///
  /// - Complexity: n products and O(n²) memory; meant for small n (a few thousand at most).
  public func materialised() -> Matrix {
    let n = dimension
    var m = Matrix(rows: n, columns: n)
    var e = [Double](repeating: 0, count: n)
    var column = [Double](repeating: 0, count: n)
    for j in 0..<n {
      e[j] = 1
      e.withUnsafeBufferPointer { ep in
        column.withUnsafeMutableBufferPointer { cp in apply(ep, into: cp) }
      }
      e[j] = 0
      for i in 0..<n { m[i, j] = column[i] }
    }
    for i in 0..<n {
      for j in (i + 1)..<max(i + 1, n) {
        let s = 0.5 * (m[i, j] + m[j, i])
        m[i, j] = s
        m[j, i] = s
      }
    }
    return m
  }
}
