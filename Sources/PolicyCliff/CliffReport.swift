// DeltaH — entropy change of softmax policies.

import PolicyMargins

/// The policy-cliff summary of one reward (or Q) vector, as `deltah cliff --json` prints it
/// (docs/theory.md#ties-margins, docs/theory.md#soft-policy): ties and margin of the values, the
/// greedy and argmax-set stability radii, and the soft policy's bounds, from
/// ``SoftPolicyStability``.
///
/// JSON fields (``CodingKeys``): `ties` (m_τ), `tied_actions` (ascending indices), `margin` (δ; ∞
/// when every action is tied), `tolerance` (τ used), `stability_radius` ((1 − γ)δ/2, 0 at a tie),
/// `argmax_set_radius` ((1 − γ)δ/2), `lipschitz_tv` (1/(2α(1 − γ))), `jacobian_norm`
/// (‖∂π_α/∂r‖₂), `l2_bound` (1/(2α)), `price_of_smoothing` (max r − π_αᵀr),
/// `price_of_smoothing_bound` (α log K), `soft_policy` (π_α), `alpha`, `gamma`, `values` (the
/// values analysed, so that a report can redo the perturbation curve).
public struct CliffReport: Sendable, Equatable, Codable {
  /// m_τ, the number of actions within τ of the best.
  public let ties: Int
  /// The tied optimal actions, ascending.
  public let tiedActions: [Int]
  /// δ, the gap to the best non-tied action (∞ when every action is tied).
  public let margin: Double
  /// τ, the tie tolerance used.
  public let tolerance: Double
  /// The greedy stability radius (1 − γ)δ/2, 0 at a tie (the cliff).
  public let stabilityRadius: Double
  /// The argmax-set stability radius (1 − γ)δ/2.
  public let argmaxSetRadius: Double
  /// 1/(2α(1 − γ)), the soft policy's total-variation Lipschitz constant.
  public let lipschitzTV: Double
  /// ‖(diag π_α − π_απ_αᵀ)/α‖₂, the exact Jacobian norm of the soft policy.
  public let jacobianNorm: Double
  /// 1/(2α), the bound on ``jacobianNorm``.
  public let l2Bound: Double
  /// max r − π_αᵀr.
  public let priceOfSmoothing: Double
  /// α log K, the bound on ``priceOfSmoothing``.
  public let priceOfSmoothingBound: Double
  /// π_α = softmax(r/α).
  public let softPolicy: [Double]
  /// α.
  public let alpha: Double
  /// γ.
  public let gamma: Double
  /// The values analysed.
  public let values: [Double]

  /// The JSON keys; unchanged from the first `deltah cliff --json`.
  public enum CodingKeys: String, CodingKey {
    case ties, margin, tolerance, alpha, gamma, values
    case tiedActions = "tied_actions"
    case stabilityRadius = "stability_radius"
    case argmaxSetRadius = "argmax_set_radius"
    case lipschitzTV = "lipschitz_tv"
    case jacobianNorm = "jacobian_norm"
    case l2Bound = "l2_bound"
    case priceOfSmoothing = "price_of_smoothing"
    case priceOfSmoothingBound = "price_of_smoothing_bound"
    case softPolicy = "soft_policy"
  }

  /// The summary of `values` at temperature α and discount γ, ties within τ (default:
  /// ``ActionMargin/defaultTolerance(for:)``).
  ///
  /// - Throws: as ``SoftPolicyStability/init(values:alpha:gamma:tolerance:)``.
  /// - Complexity: as ``SoftPolicyStability/init(values:alpha:gamma:tolerance:)``.
  public init(values: [Double], alpha: Double, gamma: Double = 0, tolerance: Double? = nil) throws(PolicyCliffError) {
    let s = try SoftPolicyStability(values: values, alpha: alpha, gamma: gamma, tolerance: tolerance)
    ties = s.margin.ties
    tiedActions = s.margin.tiedActions
    margin = s.margin.margin
    self.tolerance = s.margin.tolerance
    stabilityRadius = s.stabilityRadius
    argmaxSetRadius = s.margin.argmaxSetStabilityRadius(gamma: gamma)
    lipschitzTV = s.lipschitzTV
    jacobianNorm = s.jacobianNorm
    l2Bound = s.l2Bound
    priceOfSmoothing = s.priceOfSmoothing
    priceOfSmoothingBound = s.priceOfSmoothingBound
    softPolicy = s.softPolicy
    self.alpha = alpha
    self.gamma = gamma
    self.values = values
  }
}
