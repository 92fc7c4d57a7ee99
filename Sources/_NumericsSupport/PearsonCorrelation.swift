// DeltaH — entropy change of softmax policies.

/// Neumaier's compensated sum (error O(ε) independent of n for sums without cancellation).
///
/// - Complexity: O(n).
@inlinable
package func neumaierSum<S: Sequence>(_ values: S) -> Double where S.Element == Double {
  var sum = 0.0
  var compensation = 0.0
  for x in values {
    let t = sum + x
    if abs(sum) >= abs(x) {
      compensation += (sum - t) + x
    } else {
      compensation += (x - t) + sum
    }
    sum = t
  }
  return sum + compensation
}

/// The Pearson correlation coefficient of paired samples,
///
///     r = Σ(xᵢ − x̄)(yᵢ − ȳ) / √(Σ(xᵢ − x̄)² · Σ(yᵢ − ȳ)²)
///
/// with compensated sums, clamped to [−1, 1] (rounding can leave it an ulp outside); nil when
/// there are fewer than two pairs or either vector is constant.
///
/// - Precondition: `x.count == y.count`.
/// - Complexity: O(n).
package func pearsonCorrelationCoefficient(_ x: [Double], _ y: [Double]) -> Double? {
  precondition(x.count == y.count, "pearsonCorrelation: lengths \(x.count) and \(y.count) differ")
  guard x.count > 1 else { return nil }
  let mx = neumaierSum(x) / Double(x.count), my = neumaierSum(y) / Double(y.count)
  let sxy = neumaierSum(zip(x, y).lazy.map { ($0 - mx) * ($1 - my) })
  let sxx = neumaierSum(x.lazy.map { ($0 - mx) * ($0 - mx) })
  let syy = neumaierSum(y.lazy.map { ($0 - my) * ($0 - my) })
  let product = sxx * syy
  // |r| ≤ 1 by Cauchy–Schwarz; rounding can leave r an ulp or two outside (two points give
  // 1.0000000000000002), so r is clamped. When Σ(x − x̄)²·Σ(y − ȳ)² overflows or underflows
  // (deviations beyond ~1e77 or below ~1e-77), the sums are formed again on deviations scaled by
  // their largest magnitude, which leaves r unchanged and keeps every product in range.
  guard let r = product.isNormal ? sxy / product.squareRoot() : scaledPearson(x, mx, y, my) else { return nil }
  return min(1, max(-1, r))
}

/// r from deviations scaled to a largest magnitude of 1 (x̄, ȳ given); nil when either vector is
/// constant or not finite.
private func scaledPearson(_ x: [Double], _ mx: Double, _ y: [Double], _ my: Double) -> Double? {
  let dx = x.map { $0 - mx }, dy = y.map { $0 - my }
  let sx = dx.lazy.map(abs).max()!, sy = dy.lazy.map(abs).max()!
  guard sx > 0, sy > 0, sx.isFinite, sy.isFinite else { return nil }
  let a = dx.map { $0 / sx }, b = dy.map { $0 / sy }
  let sab = neumaierSum(zip(a, b).lazy.map { $0 * $1 })
  return sab / (neumaierSum(a.lazy.map { $0 * $0 }).squareRoot() * neumaierSum(b.lazy.map { $0 * $0 }).squareRoot())
}
