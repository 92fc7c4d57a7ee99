// DeltaH — entropy change of softmax policies.

import EntropyDynamics

extension StepRecord {
  /// The trust scale of this step's first-order prediction, from the state-weighted terms the
  /// record holds:
  ///
  ///     s* = ε·|Σ_s d(s) g_s·Δx_s| / |Σ_s d(s) ½Δx_sᵀ∇²H_sΔx_s|
  ///        = ε·|deltaFirstOrder| / |deltaSecondOrder − deltaFirstOrder|
  ///
  /// (∞ when the weighted quadratic term is 0, 0 when only the first order is 0; see
  /// `trustScale(firstOrderTerm:secondOrderTerm:tolerance:)`). The step was inside the radius when
  /// s* ≥ 1; for exact rules, whose step is linear in η, the first order stays within ε (to second
  /// order) up to the learning rate η·s*. For sampled rules the step is random and s* describes the
  /// step that was drawn.
  ///
  /// - Precondition: `tolerance` is finite and > 0.
  /// - Complexity: O(1).
  public func trustScale(tolerance: Double) -> Double {
    EntropyDynamics.trustScale(
      firstOrderTerm: deltaFirstOrder, secondOrderTerm: deltaSecondOrder - deltaFirstOrder, tolerance: tolerance)
  }
}
