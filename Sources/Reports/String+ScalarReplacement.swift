// DeltaH — entropy change of softmax policies.

extension StringProtocol {
  /// Every occurrence of `target` replaced by `replacement`, matched on Unicode scalars, left to
  /// right without overlaps — as Foundation's `replacingOccurrences(of:with:)` matches. The
  /// standard library's `replacing(_:with:)` matches whole characters instead, so it would not
  /// find "\r" or "\n" inside a "\r\n" line break, which is one character.
  ///
  /// - Complexity: O(n·m) for n scalars in `self` and m in `target` (short strings here).
  func replacingScalars(_ target: String, with replacement: String) -> String {
    let pattern = Array(target.unicodeScalars)
    guard !pattern.isEmpty else { return String(self) }
    let scalars = Array(unicodeScalars)
    var out = String.UnicodeScalarView()
    var i = 0
    while i < scalars.count {
      if i + pattern.count <= scalars.count, scalars[i..<(i + pattern.count)].elementsEqual(pattern) {
        out.append(contentsOf: replacement.unicodeScalars)
        i += pattern.count
      } else {
        out.append(scalars[i])
        i += 1
      }
    }
    return String(out)
  }
}
