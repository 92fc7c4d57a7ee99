// DeltaH — entropy change of softmax policies.

extension StringProtocol {
  /// The text without leading and trailing whitespace (spaces, tabs and line breaks).
  ///
  /// - Complexity: O(n).
  package func trimmingWhitespace() -> SubSequence {
    let start = firstIndex { !$0.isWhitespace } ?? endIndex
    let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
    return self[start..<end]
  }
}
