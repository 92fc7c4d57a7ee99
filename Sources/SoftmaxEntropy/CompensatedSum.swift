// DeltaH — entropy change of softmax policies.

import _NumericsSupport

/// Neumaier's compensated sum Σ xᵢ: error O(ε) independent of n, instead of O(n ε).
///
/// Reductions over the action set use it so that exact identities (Σπ = 1, E_π[u] = 0) hold to a
/// few ulps even at K = 10⁵.
///
/// - Complexity: O(n).
@inlinable
public func compensatedSum<S: Sequence>(_ values: S) -> Double where S.Element == Double {
  neumaierSum(values)
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
/// The package has one implementation of r, in the internal `_NumericsSupport` target; this is its
/// public face.
///
/// - Precondition: `x.count == y.count`.
/// - Complexity: O(n).
public func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
  pearsonCorrelationCoefficient(x, y)
}
