// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy

/// Covariance-weighted GRPO: a Gaussian kernel on the token covariance that down-weights the
/// extreme tokens (Wang et al., "Covariance-Aware GRPO with Gaussian-Kernel Advantage
/// Reweighting", arXiv 2605.11538; **interpretation** — only the abstract was read: "a
/// hyperparameter-free, covariance-weighted optimization method that dynamically down-weights
/// extreme token-level updates via a Gaussian kernel"):
///
///     w_t = exp(−Cov_t² / (2σ²)),   σ² = (1/N) Σ_valid Cov_t²     (w = 1 when σ = 0)
///
/// The bandwidth σ² (the second moment of the centred products, which keeps the rule free of
/// hyper-parameters) is DeltaH's choice.
public struct CovarianceKernelWeighting: TokenWeighting {
  public init() {}
  public var name: String { "cov-kernel" }
  public var isInterpretation: Bool { true }

  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) -> [Double] {
    let idx = tokens.validIndices
    let c = tokens.centredProducts
    let s2 = compensatedSum(idx.map { c[$0] * c[$0] }) / Double(idx.count)
    return (0..<tokens.count).map { i in
      tokens.valid[i] && s2 > 0 ? Double.exp(-c[i] * c[i] / (2 * s2)) : 1
    }
  }
}
