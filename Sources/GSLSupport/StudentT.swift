// DeltaH — entropy change of softmax policies.

import CGSL

/// The quantile of Student's t distribution, t_{p, ν} with P(T ≤ t) = p (GSL `gsl_cdf_tdist_Pinv`).
///
/// - Precondition: 0 < p < 1, ν > 0.
/// - Complexity: O(1).
public func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
  precondition(p > 0 && p < 1 && nu > 0, "need 0 < p < 1 and ν > 0")
  return gsl_cdf_tdist_Pinv(p, nu)
}
