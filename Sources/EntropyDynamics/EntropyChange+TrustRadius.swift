// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The trust scale of the first-order entropy prediction along a logit step Δx (policy logits,
/// Δx = Δz/T): the factor s by which the step may be scaled before the second-order term reaches
/// a fraction ε of the first-order one.
///
/// Along sΔx the Taylor expansion of H is
///
///     H(x + sΔx) − H(x) = s·(g·Δx) + ½ s²·(Δxᵀ∇²HΔx) + O(s³),    g = ∇H
///
/// and |½ s² Δxᵀ∇²HΔx| = ε·|s g·Δx| at
///
///     s* = 2ε·|g·Δx| / |ΔxᵀQΔx|  =  ε·|firstOrderTerm| / |secondOrderTerm|,   Q = ∇²H
///
/// with firstOrderTerm = g·Δx (Lemma 1, −Cov_π(log π, Δx)) and secondOrderTerm = ½ΔxᵀQΔx. For
/// s ≤ s* the relative error of the first-order prediction, |actual − first|/|first|, is ε·s/s* to
/// second order; the third-order remainder is not bounded by this criterion (it matters when the
/// quadratic term is small, i.e. s* is large).
///
/// Edge cases, stated rather than guessed:
/// * secondOrderTerm = 0 (including Δx = 0): s* = +∞ — no curvature along Δx; the first-order
///   error is then of third order and this criterion does not limit the step.
/// * firstOrderTerm = 0 with secondOrderTerm ≠ 0: s* = 0 — the first order predicts no change
///   while the change is second order at every scale; no step is inside the radius.
/// * NaN in either term: NaN; both terms infinite: NaN (∞/∞); only the second infinite: 0; only
///   the first infinite (second ≠ 0): +∞.
///
/// - Precondition: `tolerance` is finite and > 0.
/// - Complexity: O(1).
@inlinable
public func trustScale(firstOrderTerm: Double, secondOrderTerm: Double, tolerance: Double) -> Double {
  precondition(tolerance.isFinite && tolerance > 0, "trust tolerance must be finite and > 0, got \(tolerance)")
  if firstOrderTerm.isNaN || secondOrderTerm.isNaN { return .nan }
  if secondOrderTerm == 0 { return .infinity }
  return tolerance * abs(firstOrderTerm) / abs(secondOrderTerm)
}

extension EntropyChange {
  /// The trust tolerance ε every DeltaH result uses unless told otherwise: 0.1, the first order is
  /// trusted while the second-order term stays within 10 % of it.
  public static let defaultTrustTolerance = 0.1

  /// The trust scale s* = ε·|first order| / |½ΔxᵀQΔx| of this step; see
  /// ``trustScale(firstOrderTerm:secondOrderTerm:tolerance:)`` for the formula and edge cases.
  /// The step Δx itself is inside the radius when s* ≥ 1.
  ///
  /// - Precondition: `tolerance` is finite and > 0.
  /// - Complexity: O(1).
  public func trustScale(tolerance: Double) -> Double {
    EntropyDynamics.trustScale(firstOrderTerm: firstOrder, secondOrderTerm: secondOrderTerm, tolerance: tolerance)
  }
}

/// The trust scale of the first-order prediction for a raw-logit step Δz on π = softmax(z/T):
///
///     Δx = Δz/T,   s* = ε·|g·Δx| / |½ΔxᵀQΔx|     (g = ∇H, Q = ∇²H; O(K) Hessian-vector form)
///
/// computed from the two terms directly (not as a difference of predictions), with the edge cases
/// of ``trustScale(firstOrderTerm:secondOrderTerm:tolerance:)``. For a step Δz = η·d linear in the
/// learning rate η, the first order stays within ε (to second order) up to η·s*.
///
/// - Throws: `SoftmaxError` when Δz has the wrong length or a non-finite element.
/// - Precondition: `tolerance` is finite and > 0.
/// - Complexity: O(K).
public func trustScale(
  of policy: SoftmaxPolicy, logitStep: [Double], tolerance: Double
) throws(SoftmaxError) -> Double {
  let dx = try effectiveStep(policy, logitStep)
  let first = -compensatedDot(policy.entropyDiscriminator, dx)
  return trustScale(firstOrderTerm: first, secondOrderTerm: policy.entropySecondOrderTerm(dx), tolerance: tolerance)
}
