// DeltaH — entropy change of softmax policies.

/// Which end of a symmetric spectrum an eigensolver returns, and in which order.
public enum SpectrumSelection: String, Sendable, CaseIterable {
  /// The k largest eigenvalues, in descending order.
  case largest
  /// The k smallest eigenvalues, in ascending order.
  case smallest
  /// The k eigenvalues largest in absolute value, by descending |λ| (ties: the positive first).
  /// For an indefinite operator (the entropy Hessian) they may come from both ends.
  case largestMagnitude

  /// The indices of the selected k values among `ascending` (sorted ascending), in output order.
  ///
  /// - Complexity: O(m log m).
  func select(_ k: Int, fromAscending ascending: [Double]) -> [Int] {
    let m = ascending.count
    precondition(k <= m, "cannot select \(k) of \(m) values")
    switch self {
    case .largest: return Array((m - k..<m).reversed())
    case .smallest: return Array(0..<k)
    case .largestMagnitude:
      let order = ascending.indices.sorted { a, b in
        let (x, y) = (abs(ascending[a]), abs(ascending[b]))
        return x != y ? x > y : ascending[a] > ascending[b]
      }
      return Array(order.prefix(k))
    }
  }
}
