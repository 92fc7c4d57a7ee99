// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra

/// Selected eigenvalues of a dense symmetric matrix by LAPACK `dsyevd` (all eigenvalues, then a
/// selection): the reference the Lanczos solver is checked against, and the method of choice up to
/// K of a few thousand or when eigenvalues may be repeated.
public enum DenseSpectrum {
  /// The k eigenvalues of the symmetric matrix `a` chosen by `selection`, in its order (a zero
  /// eigenvalue is +0, never −0).
  ///
  /// - Throws: `CurvatureError.invalidArgument` for k outside 1…n (or a non-square matrix),
  ///   `.linearAlgebra` when `dsyevd` fails.
  /// - Complexity: O(n³) time, O(n²) memory (about a second at n = 2,000 on one core).
  public static func eigenvalues(
    of a: Matrix, count k: Int, selection: SpectrumSelection
  ) throws(CurvatureError) -> [Double] {
    guard a.rows == a.columns else {
      throw .invalidArgument("a symmetric eigenproblem needs a square matrix, got \(a.rows)×\(a.columns)")
    }
    guard k >= 1, k <= a.rows else {
      throw .invalidArgument("asked for \(k) eigenvalues of a \(a.rows)×\(a.rows) matrix; need 1 ≤ k ≤ n")
    }
    let all: [Double]
    do {
      all = try SymmetricEigendecomposition(a).eigenvalues
    } catch {
      throw .linearAlgebra(error)
    }
    // + 0 turns a −0 (LAPACK's, e.g. the entropy Hessian of one action) into 0; no other value changes.
    return selection.select(k, fromAscending: all).map { all[$0] + 0 }
  }

  /// The k selected eigenvalues of an operator, through its dense matrix.
  ///
  /// - Throws: as ``eigenvalues(of:count:selection:)-(Matrix,_,_)``.
  /// - Complexity: n products to materialise, then O(n³).
  public static func eigenvalues<Operator: SymmetricLinearOperator>(
    of op: Operator, count k: Int, selection: SpectrumSelection
  ) throws(CurvatureError) -> [Double] {
    try eigenvalues(of: op.materialised(), count: k, selection: selection)
  }
}
