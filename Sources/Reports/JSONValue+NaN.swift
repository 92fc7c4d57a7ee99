// DeltaH — entropy change of softmax policies.

extension JSONValue {
  /// The path (`steps[3].entropy`) of the first NaN in the document (the string "nan" that DeltaH
  /// writes for a non-finite number, or a decoded NaN), else `nil`. DeltaH never writes NaN as
  /// a result, so a report refuses such an input rather than print NaN as a figure. Infinities
  /// ("inf", "-inf") are legitimate values (an unbounded trust scale) and are not reported.
  ///
  /// - Complexity: O(size of the document).
  func firstNaNPath(_ prefix: String = "") -> String? {
    switch self {
    case .string("nan"): return prefix.isEmpty ? "the document" : prefix
    case .number(let x) where x.isNaN: return prefix.isEmpty ? "the document" : prefix
    case .array(let a):
      for (i, v) in a.enumerated() { if let p = v.firstNaNPath("\(prefix)[\(i)]") { return p } }
      return nil
    case .object(let o):
      for key in o.keys.sorted() {
        if let p = o[key]!.firstNaNPath(prefix.isEmpty ? key : "\(prefix).\(key)") { return p }
      }
      return nil
    default: return nil
    }
  }
}
