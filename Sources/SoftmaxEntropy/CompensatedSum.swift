// DeltaH — entropy change of softmax policies.

/// Neumaier's compensated sum Σ xᵢ: error O(ε) independent of n, instead of O(n ε).
///
/// Reductions over the action set use it so that exact identities (Σπ = 1, E_π[u] = 0) hold to a
/// few ulps even at K = 10⁵.
///
/// - Complexity: O(n).
@inlinable
public func compensatedSum<S: Sequence>(_ values: S) -> Double where S.Element == Double {
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

/// Σ aᵢ bᵢ with Neumaier compensation.
///
/// - Complexity: O(n).
@inlinable
public func compensatedDot(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count, "dot product of vectors of lengths \(a.count) and \(b.count)")
  return compensatedSum(zip(a, b).lazy.map { $0 * $1 })
}

/// Pearson's correlation coefficient
///
///     r = Σ(xᵢ − x̄)(yᵢ − ȳ) / √(Σ(xᵢ − x̄)² · Σ(yᵢ − ȳ)²)
///
/// with compensated sums; nil when there are fewer than two pairs or either vector is constant.
///
/// - Precondition: `x.count == y.count`.
/// - Complexity: O(n).
public func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
  precondition(x.count == y.count, "pearsonCorrelation: lengths \(x.count) and \(y.count) differ")
  guard x.count > 1 else { return nil }
  let mx = compensatedSum(x) / Double(x.count), my = compensatedSum(y) / Double(y.count)
  let sxy = compensatedSum(zip(x, y).lazy.map { ($0 - mx) * ($1 - my) })
  let sxx = compensatedSum(x.lazy.map { ($0 - mx) * ($0 - mx) })
  let syy = compensatedSum(y.lazy.map { ($0 - my) * ($0 - my) })
  guard sxx > 0, syy > 0 else { return nil }
  return sxy / (sxx * syy).squareRoot()
}
