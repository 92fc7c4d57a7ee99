// DeltaH — entropy change of softmax policies.

import CGSL

private final class ScalarFunctionBox {
  let f: (Double) -> Double
  init(_ f: @escaping (Double) -> Double) { self.f = f }
}

/// A root of f in [lower, upper] by Brent's method (`gsl_root_fsolver_brent`).
///
/// Iterates until the bracket satisfies |upper − lower| < absoluteTolerance + relativeTolerance·|x|
/// (`gsl_root_test_interval`).
///
/// - Throws: `GSLError` when f(lower) and f(upper) do not bracket a root (`GSL_EINVAL`) or the
///   iteration limit is reached (`GSL_EMAXITER`).
/// - Complexity: O(maxIterations) evaluations of f, typically a few dozen.
public func brentRoot(
  in lower: Double, _ upper: Double,
  absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-12, maxIterations: Int = 200,
  _ f: @escaping (Double) -> Double
) throws(GSLError) -> Double {
  GSLErrorHandling.ensureTurnedOff()
  let box = Unmanaged.passRetained(ScalarFunctionBox(f))
  defer { box.release() }
  var function = gsl_function(
    function: { x, params in
      Unmanaged<ScalarFunctionBox>.fromOpaque(params!).takeUnretainedValue().f(x)
    },
    params: box.toOpaque())
  guard let solver = gsl_root_fsolver_alloc(cgsl_root_fsolver_brent()) else {
    throw GSLError(status: Int32(GSL_ENOMEM), message: "could not allocate the Brent solver")
  }
  defer { gsl_root_fsolver_free(solver) }
  let setStatus = gsl_root_fsolver_set(solver, &function, lower, upper)
  guard setStatus == Int32(GSL_SUCCESS) else {
    throw GSLError(status: setStatus, message: "[\(lower), \(upper)] does not bracket a root (f = \(f(lower)), \(f(upper)))")
  }
  for _ in 0..<maxIterations {
    let status = gsl_root_fsolver_iterate(solver)
    guard status == Int32(GSL_SUCCESS) else {
      throw GSLError(status: status, message: "Brent iteration failed")
    }
    let lo = gsl_root_fsolver_x_lower(solver)
    let hi = gsl_root_fsolver_x_upper(solver)
    if gsl_root_test_interval(lo, hi, absoluteTolerance, relativeTolerance) == Int32(GSL_SUCCESS) {
      return gsl_root_fsolver_root(solver)
    }
  }
  throw GSLError(status: Int32(GSL_EMAXITER), message: "no convergence in \(maxIterations) iterations")
}
