// DeltaH — entropy change of softmax policies.

import CGSL

/// The ordinary least-squares line y = c0 + c1·x with the covariance of (c0, c1), as computed by
/// GSL's `gsl_fit_linear` (unit weights):
///
///     c1 = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²,   c0 = ȳ − c1 x̄
///     σ̂² = Σ (y − c0 − c1 x)² / (n − 2)
///     cov(c1) = σ̂² / Σ(x − x̄)²,  cov(c0) = σ̂² (1/n + x̄² / Σ(x − x̄)²),  cov(c0, c1) = −x̄ σ̂² / Σ(x − x̄)²
public struct LinearFit: Sendable, Equatable {
  /// The intercept c0.
  public let intercept: Double
  /// The slope c1.
  public let slope: Double
  /// Var(c0), Cov(c0, c1), Var(c1): the least-squares covariance scaled by the residual variance
  /// σ̂² = sumOfSquaredResiduals / (n − 2).
  public let covarianceInterceptIntercept: Double
  public let covarianceInterceptSlope: Double
  public let covarianceSlopeSlope: Double
  /// Σ (y − c0 − c1 x)².
  public let sumOfSquaredResiduals: Double
  /// n, the number of points.
  public let count: Int

  /// Fits y = c0 + c1·x by `gsl_fit_linear`.
  ///
  /// - Throws: `GSLError` (`GSL_EBADLEN`) when the lengths differ or n < 3 (the residual variance
  ///   needs n − 2 > 0), (`GSL_EDOM`) for a non-finite value, an x that does not vary, or a line,
  ///   covariance or residual sum that overflows Double (giving both value ranges), and any status
  ///   GSL returns.
  /// - Complexity: O(n).
  public init(x: [Double], y: [Double]) throws(GSLError) {
    GSLErrorHandling.ensureTurnedOff()
    guard x.count == y.count else {
      throw GSLError(status: Int32(GSL_EBADLEN), message: "x has \(x.count) values, y has \(y.count)")
    }
    guard x.count >= 3 else {
      throw GSLError(status: Int32(GSL_EBADLEN), message: "a line with a residual variance needs at least 3 points, got \(x.count)")
    }
    if let i = x.firstIndex(where: { !$0.isFinite }) { throw GSLError(status: Int32(GSL_EDOM), message: "x[\(i)] = \(x[i]) is not finite") }
    if let i = y.firstIndex(where: { !$0.isFinite }) { throw GSLError(status: Int32(GSL_EDOM), message: "y[\(i)] = \(y[i]) is not finite") }
    guard x.contains(where: { $0 != x[0] }) else {
      throw GSLError(status: Int32(GSL_EDOM), message: "x does not vary; the slope is undetermined")
    }
    var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, sumsq = 0.0
    let status = x.withUnsafeBufferPointer { xb in
      y.withUnsafeBufferPointer { yb in
        gsl_fit_linear(xb.baseAddress, 1, yb.baseAddress, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &sumsq)
      }
    }
    guard status == Int32(GSL_SUCCESS) else { throw GSLError(status: status, message: "gsl_fit_linear failed") }
    guard [c0, c1, cov00, cov01, cov11, sumsq].allSatisfy(\.isFinite) else {
      // The sums Σ(x − x̄)², Σ(x − x̄)(y − ȳ) or Σ residual² left Double's range: values too large
      // in magnitude, or an x spread so small that the slope overflows.
      throw GSLError(
        status: Int32(GSL_EDOM),
        message: "gsl_fit_linear returned a non-finite \(c0.isFinite && c1.isFinite ? "residual variance" : "line"): its sums overflow Double "
          + "(x spans \(x.min()!) … \(x.max()!), y spans \(y.min()!) … \(y.max()!)); rescale the values, or x varies too little")
    }
    intercept = c0
    slope = c1
    covarianceInterceptIntercept = cov00
    covarianceInterceptSlope = cov01
    covarianceSlopeSlope = cov11
    sumOfSquaredResiduals = sumsq
    count = x.count
  }

  /// c0 + c1·x.
  ///
  /// - Complexity: O(1).
  public func predicted(at x: Double) -> Double { intercept + slope * x }
}
