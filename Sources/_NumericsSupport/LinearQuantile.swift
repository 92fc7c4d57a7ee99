// DeltaH — entropy change of softmax policies.
//
// Internal support shared by the DeltaH libraries (not a product; declarations are `package`).

/// The q-quantile of ascending values by numpy's default ("linear", Hyndman–Fan type 7) rule:
///
///     h = (n − 1)·q,   lo = ⌊h⌋,   hi = min(lo + 1, n − 1)
///     Q(q) = x₍lo₎ + (h − lo)·(x₍hi₎ − x₍lo₎)
///
/// so Q(0) is the minimum, Q(1) the maximum, and a single value is every quantile of itself.
/// This is `numpy.quantile(x, q)` (and `numpy.percentile(x, 100·q)`) with `method="linear"`.
///
/// - Parameters:
///   - sorted: the values in ascending order (not checked; unsorted input gives a meaningless result).
///   - q: the level in [0, 1].
/// - Precondition: `sorted` is non-empty and `0 ≤ q ≤ 1`.
/// - Complexity: O(1).
package func linearQuantile(sorted: [Double], _ q: Double) -> Double {
  precondition(!sorted.isEmpty, "linearQuantile: no values")
  precondition(q >= 0 && q <= 1, "linearQuantile: level \(q) is outside [0, 1]")
  let h = Double(sorted.count - 1) * q
  let lo = Int(h.rounded(.down))
  let hi = min(lo + 1, sorted.count - 1)
  return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}

/// The quantiles of `values` (any order) at every level, by ``linearQuantile(sorted:_:)``.
///
/// - Precondition: `values` is non-empty and every level lies in [0, 1].
/// - Complexity: O(n log n + L) for n values and L levels.
package func linearQuantiles(_ values: [Double], levels: [Double]) -> [Double] {
  let sorted = values.sorted()
  return levels.map { linearQuantile(sorted: sorted, $0) }
}
