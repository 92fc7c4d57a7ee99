// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The curvature of one softmax policy (one decoding position of a logit dump): Fisher trace,
/// the top of the Fisher spectrum and the entropy-Hessian eigenvalues largest in |λ|.
///
///     tr F = Σᵢ πᵢ(1 − πᵢ) = 1 − Σᵢ πᵢ²,     0 ≤ λ(F) ≤ ½,     λ_max(F) ≤ tr F
///
/// Up to `denseLimit` actions the spectra come from the dense matrices (`dsyevd`), above it from
/// ``LanczosEigensolver`` on the O(K) operators.
public struct PositionCurvature: Sendable, Equatable {
  /// How the eigenvalues were computed.
  public enum Method: String, Sendable {
    /// Dense `dsyevd` on the K×K matrices.
    case dense
    /// Lanczos on the O(K) products.
    case lanczos
  }

  /// The universal bound λ_max(F) ≤ ½ of a categorical Fisher matrix.
  public static let fisherEigenvalueBound = 0.5

  /// K, the number of actions.
  public let actionCount: Int
  /// H(π) in nats.
  public let entropy: Double
  /// tr F = 1 − Σπ².
  public let fisherTrace: Double
  /// The k largest Fisher eigenvalues, descending.
  public let fisherEigenvalues: [Double]
  /// The k entropy-Hessian eigenvalues largest in |λ|, by descending |λ|.
  public let entropyHessianEigenvalues: [Double]
  /// The method used.
  public let method: Method

  /// The curvature summary of `policy` with the top k eigenvalues of each spectrum.
  ///
  /// - Throws: `CurvatureError.invalidArgument` unless 1 ≤ k ≤ K; Lanczos/LAPACK failures.
  /// - Complexity: O(K³) when K ≤ `denseLimit`, otherwise two Lanczos runs (O(m K + m² K)).
  public init(
    policy: SoftmaxPolicy, top k: Int, solver: LanczosEigensolver = LanczosEigensolver(),
    denseLimit: Int = 512
  ) throws(CurvatureError) {
    let n = policy.actionCount
    guard k >= 1, k <= n else {
      throw .invalidArgument("top = \(k) eigenvalues requested, but the policy has \(n) actions (need 1 ≤ k ≤ \(n))")
    }
    actionCount = n
    entropy = policy.entropy
    fisherTrace = Self.fisherTrace(policy)
    if n <= denseLimit {
      method = .dense
      fisherEigenvalues = try DenseSpectrum.eigenvalues(of: policy.fisherMatrix(), count: k, selection: .largest)
      entropyHessianEigenvalues = try DenseSpectrum.eigenvalues(
        of: policy.entropyHessian(), count: k, selection: .largestMagnitude)
    } else {
      method = .lanczos
      fisherEigenvalues = try solver.eigenpairs(
        of: FisherOperator(policy: policy), count: k, selection: .largest).eigenvalues
      entropyHessianEigenvalues = try solver.eigenpairs(
        of: EntropyHessianOperator(policy: policy), count: k, selection: .largestMagnitude).eigenvalues
    }
  }

  /// λ_max(F), the first of ``fisherEigenvalues``.
  ///
  /// - Complexity: O(1).
  public var fisherLargestEigenvalue: Double { fisherEigenvalues[0] }

  /// tr F = Σᵢ πᵢ(1 − πᵢ) = 1 − Σπ², with 1 − π_top taken as Σ_{j≠top} πⱼ (no cancellation when
  /// the policy is nearly deterministic).
  ///
  /// - Complexity: O(K).
  public static func fisherTrace(_ policy: SoftmaxPolicy) -> Double {
    let p = policy.probabilities
    let top = policy.mostProbableAction
    let rest = compensatedSum(p.indices.lazy.filter { $0 != top }.map { p[$0] })
    let others = compensatedSum(p.indices.lazy.filter { $0 != top }.map { p[$0] * (1 - p[$0]) })
    return others + p[top] * rest
  }
}
