// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import Glibc
import Testing
import _TestSupport

@Suite("LAPACK and BLAS wrappers")
struct LAPACKWrapperTests {
  @Test func symmetricEigenvaluesOfTwoByTwo() throws {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with eigenvectors (1, −1)/√2 and (1, 1)/√2.
    let e = try SymmetricEigendecomposition(Matrix([[2, 1], [1, 2]]), computeEigenvectors: true)
    #expect(maxAbsoluteDifference(e.eigenvalues, [1, 3]) < 1e-14)
    let q = try #require(e.eigenvectors)
    #expect(abs(abs(q[0, 1]) - 0.5.squareRoot()) < 1e-14 && abs(q[0, 1] - q[1, 1]) < 1e-14)
  }

  @Test func eigendecompositionReconstructsMatrix() throws {
    var rng = SplitMix64(seed: 9)
    for n in [1, 3, 17, 60] {
      var a = Matrix(rows: n, columns: n)
      for i in 0..<n { for j in i..<n { let v = rng.normal(); a[i, j] = v; a[j, i] = v } }
      let e = try SymmetricEigendecomposition(a, computeEigenvectors: true)
      let q = try #require(e.eigenvectors)
      // Q diag(λ) Qᵀ = A and QᵀQ = I to backward-stable rounding (n·ε·‖A‖ ≈ 1e-13 here).
      var lambda = Matrix(rows: n, columns: n)
      for i in 0..<n { lambda[i, i] = e.eigenvalues[i] }
      let back = q.multiplied(by: lambda).multiplied(by: q.transposed)
      #expect(maxAbsoluteDifference(back.elements, a.elements) < 1e-12)
      #expect(maxAbsoluteDifference(q.transposed.multiplied(by: q).elements, Matrix.identity(n).elements) < 1e-12)
      #expect(zip(e.eigenvalues, e.eigenvalues.dropFirst()).allSatisfy { $0 <= $1 })
    }
  }

  @Test(arguments: [1, 2, 5, 50, 200])
  func tridiagonalClosedForm(n: Int) throws {
    // tridiag(−1, 2, −1) has eigenvalues 2 − 2 cos(kπ/(n+1)), k = 1…n.
    let values = try tridiagonalEigenvalues(
      diagonal: Array(repeating: 2, count: n), offDiagonal: Array(repeating: -1, count: n - 1))
    let expected = (1...n).map { 2 - 2 * cos(Double($0) * .pi / Double(n + 1)) }
    #expect(maxAbsoluteDifference(values, expected) < 1e-13)
  }

  @Test func tridiagonalAgreesWithDense() throws {
    var rng = SplitMix64(seed: 5)
    let n = 30
    let d = (0..<n).map { _ in rng.normal() }
    let e = (0..<(n - 1)).map { _ in rng.normal() }
    var a = Matrix(rows: n, columns: n)
    for i in 0..<n { a[i, i] = d[i] }
    for i in 0..<(n - 1) { a[i, i + 1] = e[i]; a[i + 1, i] = e[i] }
    let dense = try SymmetricEigendecomposition(a).eigenvalues
    let (tri, vectors) = try tridiagonalEigensystem(diagonal: d, offDiagonal: e, computeEigenvectors: true)
    #expect(maxAbsoluteDifference(dense, tri) < 1e-12)
    // A q_j = λ_j q_j for every returned eigenvector.
    let q = try #require(vectors)
    for j in 0..<n {
      let column = (0..<n).map { q[$0, j] }
      #expect(maxAbsoluteDifference(a.multiplied(by: column), column.map { tri[j] * $0 }) < 1e-12)
    }
  }

  /// After OpenBLAS's idle pool is stopped, BLAS must still work, including a product large
  /// enough for OpenBLAS to start its threads again. Checked against a plain triple loop
  /// (exact here: integer-valued entries, sums below 2⁵³).
  ///
  /// It runs in a child process (an exit test): stopping the pool while another test's thread is
  /// inside a threaded BLAS call corrupts that call (seen here: `eigendecompositionReconstructsMatrix`
  /// off by 3.4 when the suites ran in parallel without OPENBLAS_NUM_THREADS=1). The command-line
  /// tool stops the pool once, at start-up, before any BLAS call.
  @Test func blasWorksAfterIdleThreadsStop() async {
    await #expect(processExitsWith: .success) {
      stopIdleBLASThreads()
      let n = 300
      var a = Matrix(rows: n, columns: n), b = Matrix(rows: n, columns: n)
      for i in 0..<n { for j in 0..<n { a[i, j] = Double((i * 7 + j) % 11) - 5; b[i, j] = Double((i + 3 * j) % 13) - 6 } }
      let c = a.multiplied(by: b)
      for (i, j) in [(0, 0), (17, 250), (299, 299), (150, 3)] {
        var want = 0.0
        for k in 0..<n { want += a[i, k] * b[k, j] }
        if c[i, j] != want { exit(1) }
      }
    }
  }

  @Test func linearSolve() throws {
    let a = Matrix([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
    let x = [1.0, -2, 0.5]
    let b = a.multiplied(by: x)
    #expect(maxAbsoluteDifference(try solveLinearSystem(a, b), x) < 1e-14)
    #expect(throws: LinearAlgebraError.self) { try solveLinearSystem(Matrix([[1, 2], [2, 4]]), [1, 1]) }
  }
}

private func cos(_ x: Double) -> Double {
  // Reference cosine by its Taylor series after range reduction, independent of libm.
  var y = x.truncatingRemainder(dividingBy: 2 * .pi)
  if y > .pi { y -= 2 * .pi }
  var term = 1.0, sum = 1.0
  for k in 1..<30 {
    term *= -y * y / Double((2 * k - 1) * (2 * k))
    sum += term
  }
  return sum
}
