// DeltaH — entropy change of softmax policies.

import GSLSupport
import Testing
import _TestSupport

@Suite("GSL linear least squares")
struct LinearFitTests {
  /// gsl_fit_linear against the textbook formulas written out here (tolerance 1e-12 relative:
  /// both are O(n) sums of the same 50 well-scaled numbers).
  @Test func matchesTheClosedFormWithCovariance() throws {
    var rng = SplitMix64(seed: 5)
    let x = (0..<50).map { _ in 3 * rng.normal() + 1 }
    let y = x.map { 0.7 - 1.3 * $0 + 0.2 * rng.normal() }
    let f = try LinearFit(x: x, y: y)
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
    let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
    let c1 = sxy / sxx, c0 = my - c1 * mx
    let ssr = zip(x, y).map { ($1 - c0 - c1 * $0) * ($1 - c0 - c1 * $0) }.reduce(0, +)
    let s2 = ssr / (n - 2)
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(abs(b), 1e-300) }
    #expect(close(f.slope, c1) && close(f.intercept, c0))
    #expect(close(f.sumOfSquaredResiduals, ssr))
    #expect(close(f.covarianceSlopeSlope, s2 / sxx))
    #expect(close(f.covarianceInterceptIntercept, s2 * (1 / n + mx * mx / sxx)))
    #expect(close(f.covarianceInterceptSlope, -mx * s2 / sxx))
    #expect(f.count == 50 && close(f.predicted(at: 2), c0 + 2 * c1))
  }

  @Test func badInputsThrowInsteadOfReturningNaN() {
    #expect(throws: GSLError.self) { try LinearFit(x: [1, 2], y: [1, 2]) }
    #expect(throws: GSLError.self) { try LinearFit(x: [1, 2, 3], y: [1, 2]) }
    #expect(throws: GSLError.self) { try LinearFit(x: [1, 1, 1], y: [1, 2, 3]) }
    #expect(throws: GSLError.self) { try LinearFit(x: [1, .nan, 3], y: [1, 2, 3]) }
    #expect(throws: GSLError.self) { try LinearFit(x: [1, 2, 3], y: [1, .infinity, 3]) }
  }

  /// Values whose sums overflow name the overflow and both ranges (before: "x varies too little"
  /// for y = ±1e308, the wrong cause); a finite line whose residual sum overflows is refused too
  /// (its covariances were ∞).
  @Test func overflowingSumsAreNamedAsOverflow() {
    let line = #expect(throws: GSLError.self) { try LinearFit(x: [1, 2, 3, 4], y: [1e308, -1e308, 1e308, 0]) }
    #expect(line?.message.contains("overflow Double") == true && line?.message.contains("y spans -1e+308 … 1e+308") == true)
    let residual = #expect(throws: GSLError.self) { try LinearFit(x: [1, 2, 3], y: [0, 1.5e154, 0]) }
    #expect(residual?.message.contains("residual variance") == true, "\(String(describing: residual))")
  }
}
