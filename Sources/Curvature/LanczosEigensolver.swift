// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import GSLSupport
import RealModule

/// Extremal eigenpairs of a symmetric operator by the Lanczos iteration with full
/// reorthogonalisation, using only products y = A x.
///
/// Step j builds the orthonormal Krylov basis Q = [q₀ … q_j] and the tridiagonal
/// T = QᵀAQ = tridiag(β, α, β):
///
///     w = A q_j − α_j q_j − β_{j−1} q_{j−1},   α_j = q_jᵀ A q_j
///     w ← w − Q (Qᵀ w)        (classical Gram–Schmidt, repeated once when ‖w‖ drops below 0.7×;
///                              Kahan–Parlett "twice is enough")
///     β_j = ‖w‖,   q_{j+1} = w / β_j
///
/// The Ritz values θᵢ (eigenvalues of T, LAPACK `dstev`) approximate eigenvalues of A, and the Ritz
/// vector yᵢ = Q sᵢ has the residual ‖A yᵢ − θᵢ yᵢ‖ = β_j |s_{j,i}| (last component of sᵢ), so for some
/// eigenvalue λ of A, |λ − θᵢ| ≤ β_j |s_{j,i}|.
///
/// **Convergence.** A Ritz pair is converged when its residual is at most
/// `relativeTolerance · ‖T‖` (‖T‖ = max |θ|, a lower bound on ‖A‖); the default 1e-10 gives eigenvalues
/// within 1e-10·‖A‖ of an eigenvalue of A (usually far closer: the error of an isolated eigenvalue is
/// of order residual²/gap). The iteration stops when the k requested Ritz values have converged:
///
/// * `.largest` / `.smallest`: the k outermost Ritz values at that end.
/// * `.largestMagnitude`: both ends are watched. The k Ritz values largest in |θ| form a run at
///   each end of the Ritz spectrum; they must have converged, and at each end the next Ritz value
///   inside the run must satisfy |θ| + residual ≤ the k-th |θ|, so no eigenvalue at either end can
///   still overtake the selection. This makes the answer independent of which end the large |λ|
///   live at, without waiting for a dense cluster at the other end to converge.
///
/// **Breakdown and multiplicity.** When β_j ≤ 1e-12·‖T‖ the basis spans an invariant subspace; the
/// iteration restarts from a new seeded random vector orthogonalised against Q (β_j = 0) and runs at
/// least k more steps before testing convergence again, except at a further breakdown. The first
/// invariant subspace of a random start holds one copy of every distinct eigenvalue and each restart
/// at most one more, so once k blocks have broken down the Ritz values (exact there) contain each
/// eigenvalue min(multiplicity, k) times and the selection is accepted: an operator with few distinct
/// eigenvalues (a uniform policy, a peak over a flat tail) is settled in O(k + distinct) steps.
/// Without breakdowns, single-vector Lanczos finds one copy of an eigenvalue of multiplicity > 1
/// (exact ties in π produce those): use the dense solver (``DenseSpectrum``) for such inputs at
/// small K.
///
/// The start vector is Gaussian from GSL's mt19937 with `seed`, so results are reproducible bit for
/// bit. The basis is stored contiguously and reorthogonalised with BLAS `dgemv`; the operator writes
/// into a preallocated buffer, so a step allocates nothing apart from the basis growth.
public struct LanczosEigensolver: Sendable {
  /// Ritz residual tolerance relative to ‖T‖ (default 1e-10).
  public var relativeTolerance: Double
  /// Seed of the mt19937 stream of start (and restart) vectors.
  public var seed: UInt64
  /// The largest Krylov dimension; nil means min(n, max(300, 4k + 100)).
  public var maxSteps: Int?
  /// Convergence is not tested before min(n, max(2k + 10, minimumSteps)) steps (default 20): a
  /// Ritz value can have a small residual long before the Krylov space has seen every eigenvalue
  /// beyond it (its residual bounds the distance to *some* eigenvalue, not to the k-th), and a
  /// few extra O(n) steps make skipping an eigenvalue of a tight cluster much less likely.
  public var minimumSteps: Int

  /// A solver with the given settings.
  ///
  /// - Complexity: O(1).
  public init(
    relativeTolerance: Double = 1e-10, seed: UInt64 = 5489, maxSteps: Int? = nil, minimumSteps: Int = 20
  ) {
    self.relativeTolerance = relativeTolerance
    self.seed = seed
    self.maxSteps = maxSteps
    self.minimumSteps = minimumSteps
  }

  /// The k selected eigenvalues (and optionally Ritz vectors) of a symmetric operator.
  ///
  /// - Parameters:
  ///   - op: The operator A (n = `op.dimension`).
  ///   - k: How many eigenvalues, 1 ≤ k ≤ n.
  ///   - selection: Which end(s) of the spectrum, and the output order.
  ///   - computeEigenvectors: Also return the unit Ritz vectors yᵢ = Q sᵢ.
  /// - Throws: `CurvatureError.invalidArgument` for k outside 1…n or a non-positive tolerance,
  ///   `.lanczosDidNotConverge` when the step limit is reached, `.linearAlgebra` when `dstev` fails.
  /// - Complexity: m products with A plus O(m² n) for the reorthogonalisation, m the number of steps
  ///   (typically a few times k for well-separated extremal eigenvalues), and O(m n) memory.
  public func eigenpairs<Operator: SymmetricLinearOperator>(
    of op: Operator, count k: Int, selection: SpectrumSelection = .largest,
    computeEigenvectors: Bool = false
  ) throws(CurvatureError) -> LanczosResult {
    let n = op.dimension
    guard k >= 1, k <= n else {
      throw .invalidArgument("asked for \(k) eigenvalues of an operator of dimension \(n); need 1 ≤ k ≤ n")
    }
    guard relativeTolerance > 0, relativeTolerance.isFinite else {
      throw .invalidArgument("relative tolerance \(relativeTolerance) must be finite and > 0")
    }
    do { try BLASWorkspace.require("dgemv") } catch { throw .linearAlgebra(error) }  // tight ulimit -v: no hang
    let limit = min(n, max(k, maxSteps ?? max(300, 4 * k + 100)))
    let rng = MersenneTwister(seed: seed)
    var basis = [Double]()
    basis.reserveCapacity(n * min(limit, 48))
    var alpha: [Double] = []
    var beta: [Double] = []
    var q = [Double](repeating: 0, count: n)
    var w = [Double](repeating: 0, count: n)
    var coefficients = [Double](repeating: 0, count: limit)
    var restarts = 0
    var testFrom = min(limit, max(2 * k + 10, minimumSteps))
    var normEstimate = 0.0

    // Start vector: Gaussian, normalised.
    for i in 0..<n { q[i] = rng.gaussian() }
    scale(&q, by: 1 / norm(q))

    while true {
      basis.append(contentsOf: q)
      let j = alpha.count
      let m = j + 1
      var a = 0.0
      var b = 0.0
      basis.withUnsafeBufferPointer { bp in
        let qj = UnsafeBufferPointer(rebasing: bp[(j * n)..<(m * n)])
        w.withUnsafeMutableBufferPointer { wp in
          op.apply(qj, into: wp)
          a = BLAS.dot(n, qj.baseAddress, wp.baseAddress)
          BLAS.axpy(n, -a, qj.baseAddress, wp.baseAddress)
          if j > 0, beta[j - 1] != 0 {
            BLAS.axpy(n, -beta[j - 1], bp.baseAddress! + (j - 1) * n, wp.baseAddress)
          }
          coefficients.withUnsafeMutableBufferPointer { hp in
            b = Self.reorthogonalise(wp, against: bp, count: m, dimension: n, coefficients: hp)
          }
        }
      }
      alpha.append(a)
      // ‖A q_j‖ ≥ (α_j² + β_j²)^½ (before the reorthogonalisation trimmed w): a lower bound on ‖A‖.
      // hypot, not the square root of the squares: those underflow for ‖A‖ < 1e-154 (the Fisher
      // matrix of a policy with π_top = 1 − 1e-300), which read as A = 0.
      normEstimate = max(normEstimate, Double.hypot(a, b))
      if normEstimate == 0 {
        // A q₀ = 0 for a Gaussian q₀: A = 0 with probability one; every eigenvalue is 0.
        return LanczosResult(
          eigenvalues: Array(repeating: 0, count: k), residualNorms: Array(repeating: 0, count: k),
          eigenvectors: computeEigenvectors
            ? (0..<k).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } } : nil,
          steps: m, restarts: restarts, normEstimate: 0)
      }
      let exhausted = m == n
      let breakdown = !exhausted && b <= 1e-12 * max(normEstimate, .leastNormalMagnitude)

      // At a breakdown the Ritz pairs are exact (residual β_j ≈ 0). With a random start the first
      // invariant subspace holds one copy of every distinct eigenvalue, and each restart adds at most
      // one more copy; after k blocks every eigenvalue is present min(multiplicity, k) times, so the
      // k selected ones are right. Operators with few distinct eigenvalues (a uniform policy, a
      // peak over a flat tail) break down at every step and are settled here.
      let settledByBreakdown = breakdown && restarts + 1 >= k
      if exhausted || settledByBreakdown || (!breakdown && m >= testFrom && (m <= 60 || m % 3 == 0 || m == limit)) {
        let ritz: (eigenvalues: [Double], eigenvectors: Matrix?)
        do {
          ritz = try tridiagonalEigensystem(diagonal: alpha, offDiagonal: beta, computeEigenvectors: true)
        } catch {
          throw .linearAlgebra(error)
        }
        let theta = ritz.eigenvalues
        let s = ritz.eigenvectors!
        normEstimate = max(normEstimate, abs(theta.first!), abs(theta.last!))
        let residuals = (0..<m).map { i in exhausted ? 0 : b * abs(s[m - 1, i]) }
        let tolerance = relativeTolerance * normEstimate
        if let chosen = Self.converged(k, selection, theta, residuals, tolerance) {
          var vectors: [[Double]]? = nil
          if computeEigenvectors {
            vectors = chosen.map { i in
              let column = (0..<m).map { s[$0, i] }
              var y = [Double](repeating: 0, count: n)
              basis.withUnsafeBufferPointer { bp in
                y.withUnsafeMutableBufferPointer { yp in
                  BLAS.gemv(transposed: true, rows: m, columns: n, alpha: 1, bp.baseAddress, column, beta: 0, yp.baseAddress)
                }
              }
              return y
            }
          }
          return LanczosResult(
            eigenvalues: chosen.map { theta[$0] }, residualNorms: chosen.map { residuals[$0] },
            eigenvectors: vectors, steps: m, restarts: restarts, normEstimate: normEstimate)
        }
        if m == limit {
          let worst = residuals.max()! / max(normEstimate, .leastNormalMagnitude)
          throw .lanczosDidNotConverge(steps: m, worstRelativeResidual: worst)
        }
      } else if m == limit {
        throw .lanczosDidNotConverge(steps: m, worstRelativeResidual: .infinity)
      }

      if breakdown {
        // Invariant subspace: continue from a random vector in the orthogonal complement.
        for i in 0..<n { q[i] = rng.gaussian() }
        var r = 0.0
        basis.withUnsafeBufferPointer { bp in
          q.withUnsafeMutableBufferPointer { qp in
            coefficients.withUnsafeMutableBufferPointer { hp in
              let before = norm(qp)
              _ = Self.reorthogonalise(qp, against: bp, count: m, dimension: n, coefficients: hp)
              r = Self.reorthogonalise(qp, against: bp, count: m, dimension: n, coefficients: hp) / before
            }
          }
        }
        guard r > 1e-8 else {
          throw .lanczosDidNotConverge(steps: m, worstRelativeResidual: .nan)
        }
        scale(&q, by: 1 / norm(q))
        beta.append(0)
        restarts += 1
        testFrom = min(n, m + k)
      } else {
        for i in 0..<n { q[i] = w[i] / b }
        beta.append(b)
      }
    }
  }

  /// Orthogonalises w against the first `count` rows of the row-major basis by classical
  /// Gram–Schmidt, repeated once when the norm drops below 0.7 of its previous value; returns ‖w‖.
  static func reorthogonalise(
    _ w: UnsafeMutableBufferPointer<Double>, against basis: UnsafeBufferPointer<Double>,
    count m: Int, dimension n: Int, coefficients h: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    var previous = BLAS.norm(n, w.baseAddress)
    for _ in 0..<2 {
      BLAS.gemv(transposed: false, rows: m, columns: n, alpha: 1, basis.baseAddress, w.baseAddress, beta: 0, h.baseAddress)
      BLAS.gemv(transposed: true, rows: m, columns: n, alpha: -1, basis.baseAddress, h.baseAddress, beta: 1, w.baseAddress)
      let current = BLAS.norm(n, w.baseAddress)
      if current > 0.7 * previous { return current }
      previous = current
    }
    return previous
  }

  /// The output indices when the selection has converged (see the type's documentation), else nil.
  static func converged(
    _ k: Int, _ selection: SpectrumSelection, _ theta: [Double], _ residuals: [Double],
    _ tolerance: Double
  ) -> [Int]? {
    let m = theta.count
    guard m >= k else { return nil }
    let ok = residuals.map { $0 <= tolerance }
    switch selection {
    case .largest, .smallest:
      let chosen = selection.select(k, fromAscending: theta)
      return chosen.allSatisfy { ok[$0] } ? chosen : nil
    case .largestMagnitude:
      // The k largest |θ| form a run at each end of the ascending Ritz values.
      let chosen = selection.select(k, fromAscending: theta)
      guard chosen.allSatisfy({ ok[$0] }) else { return nil }
      let picked = Set(chosen)
      var bottom = 0
      while bottom < m, picked.contains(bottom) { bottom += 1 }
      var top = 0
      while top < m, picked.contains(m - 1 - top) { top += 1 }
      if bottom + top >= m { return chosen }
      // Just inside each run, the next Ritz value (with its residual) must not reach the k-th |θ|.
      let kth = abs(theta[chosen[k - 1]])
      for i in [bottom, m - 1 - top] where abs(theta[i]) + residuals[i] > kth { return nil }
      return chosen
    }
  }
}

@inline(__always)
private func norm(_ v: UnsafeMutableBufferPointer<Double>) -> Double {
  BLAS.norm(v.count, v.baseAddress)
}

@inline(__always)
private func norm(_ v: [Double]) -> Double {
  v.withUnsafeBufferPointer { BLAS.norm($0.count, $0.baseAddress) }
}

@inline(__always)
private func scale(_ v: inout [Double], by c: Double) {
  v.withUnsafeMutableBufferPointer { BLAS.scale($0.count, c, $0.baseAddress) }
}
