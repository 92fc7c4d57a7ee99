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
/// with compensated sums; nil when there are fewer than two pairs or either vector is constant.
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
  guard sxx > 0, syy > 0 else { return nil }
  return sxy / (sxx * syy).squareRoot()
}
