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
