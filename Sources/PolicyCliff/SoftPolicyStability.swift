// DeltaH — entropy change of softmax policies.

import PolicyMargins
import Curvature
import DenseLinearAlgebra
import RealModule
import SoftmaxEntropy

/// Stability of the greedy and the entropy-regularised (soft) policy of one state with action
/// values Q (a bandit: Q = r), docs/theory.md#soft-policy.
///
///     soft policy           π_α = softmax(Q/α)
///     TV Lipschitz bound    d_TV(π_α(R₁), π_α(R₂)) ≤ ‖R₁ − R₂‖∞ / (2α(1 − γ))      (Policy Cliff Prop 4.5)
///     exact Jacobian        ∂π_α/∂Q = (diag π_α − π_α π_αᵀ)/α = F(π_α)/α
///     ℓ2 bound              ‖J‖₂ = λ_max(F(π_α))/α ≤ 1/(2α)
///     price of smoothing    max Q − π_αᵀQ = Σᵢ π_α,ᵢ (max Q − Qᵢ) ≤ α log K
///
/// With γ > 0 the values are one state's Q and a reward perturbation ‖ΔR‖∞ moves them by at most
/// ‖ΔR‖∞/(1 − γ); the Jacobian and ℓ2 bound are with respect to Q.
public struct SoftPolicyStability: Sendable, Equatable {
  /// The temperature α > 0.
  public let alpha: Double
  /// The discount γ ∈ [0, 1).
  public let gamma: Double
  /// Ties and margin of the values.
  public let margin: ActionMargin
  /// π_α = softmax(Q/α).
  public let softPolicy: [Double]
  /// ‖(diag π_α − π_α π_αᵀ)/α‖₂, from the dense eigensolver (Lanczos above 2,000 actions).
  public let jacobianNorm: Double
  /// max Q − π_αᵀQ.
  public let priceOfSmoothing: Double
  /// The values Q.
  public let values: [Double]

  /// The analysis of values Q at temperature α and discount γ.
  ///
  /// - Throws: `PolicyCliffError.invalidArgument` for empty or non-finite values, values whose
  ///   spread max − min overflows Double, α ≤ 0, γ ∉ [0, 1), an invalid tolerance, or an α so
  ///   small that 1/(2α(1 − γ)) (or 1/(2α), or the Jacobian norm) is beyond Double's range;
  ///   `.didNotConverge` when the eigensolver fails. A tiny α, where Q/α overflows, is not
  ///   refused: π_α is formed from (Q − max Q)/α (see ``softmaxOfValues(_:alpha:)``).
  /// - Complexity: O(K³) time and O(K²) memory for K ≤ 2,000 (dense eigenproblem of F(π_α));
  ///   above, one Lanczos run: m products of O(K) each plus O(m² K) reorthogonalisation, m the
  ///   number of Lanczos steps.
  public init(values: [Double], alpha: Double, gamma: Double = 0, tolerance: Double? = nil) throws(PolicyCliffError) {
    try requireFinite(values, "rewards")
    try requireTemperature(alpha)
    try requireDiscount(gamma)
    let policy = try softmaxOfValues(values, alpha: alpha)
    self.values = values
    self.alpha = alpha
    self.gamma = gamma
    self.margin = try ActionMargin(values: values, tolerance: tolerance)
    self.softPolicy = policy.probabilities
    let top = margin.best
    self.priceOfSmoothing = compensatedSum(zip(policy.probabilities, values).lazy.map { $0 * (top - $1) })
    let lambdaMax: Double
    do {
      if values.count <= 2_000 {
        lambdaMax = try DenseSpectrum.eigenvalues(of: policy.fisherMatrix(), count: 1, selection: .largest)[0]
      } else {
        lambdaMax = try LanczosEigensolver().eigenpairs(of: FisherOperator(policy: policy), count: 1).eigenvalues[0]
      }
    } catch {
      throw .didNotConverge("the Jacobian's spectral norm could not be computed: \(error)")
    }
    self.jacobianNorm = lambdaMax / alpha
    // The soft part's bounds, ½/((1 − γ)α) ≥ ½/α ≥ λ_max/α, are beyond Double's range for a
    // subnormal α (or a tiny α with γ near 1): refused by name rather than printed as inf.
    guard lipschitzTV.isFinite, l2Bound.isFinite, jacobianNorm.isFinite else {
      throw .invalidArgument(
        "alpha = \(alpha) is too small for gamma = \(gamma): the soft policy's Lipschitz bound 1/(2α(1 − γ)) is beyond Double's range (1.8e308); take α > \(0.5 / (1 - gamma) / .greatestFiniteMagnitude) at this γ")
    }
  }

  /// The exact Jacobian ∂π_α/∂Q = (diag π_α − π_α π_αᵀ)/α as a dense matrix.
  ///
  /// - Complexity: O(K²).
  public var jacobian: Matrix {
    let k = softPolicy.count
    var j = Matrix(rows: k, columns: k)
    for a in 0..<k {
      for b in 0..<k { j[a, b] = ((a == b ? softPolicy[a] : 0) - softPolicy[a] * softPolicy[b]) / alpha }
    }
    return j
  }

  /// 1/(2α(1 − γ)), the TV Lipschitz constant of R ↦ π_α, evaluated as (½/(1 − γ))/α: ½/(1 − γ)
  /// lies in [½, 2⁵²], so the one division by α rounds once and underflows or overflows only where
  /// the constant itself does (2α overflowed to ∞ for α > 9e307, giving 0 instead of ≈ 5e-309).
  ///
  /// - Complexity: O(1).
  public var lipschitzTV: Double { 0.5 / (1 - gamma) / alpha }

  /// 1/(2α), the ℓ2 → ℓ2 bound on the Jacobian (from λ_max(F) ≤ ½), evaluated as ½/α (2α
  /// overflows for α > 9e307), so ``jacobianNorm`` = λ_max/α ≤ ½/α holds at every α.
  ///
  /// - Complexity: O(1).
  public var l2Bound: Double { 0.5 / alpha }

  /// α log K, the bound on the price of smoothing.
  ///
  /// - Complexity: O(1).
  public var priceOfSmoothingBound: Double { alpha * Double.log(Double(values.count)) }

  /// The greedy stability radius (0 at a tie), see ``ActionMargin/greedyStabilityRadius(gamma:)``.
  ///
  /// - Complexity: O(1).
  public var stabilityRadius: Double { margin.greedyStabilityRadius(gamma: gamma) }
}
