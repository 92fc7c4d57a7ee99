// DeltaH — entropy change of softmax policies.

/// A rejected argument of an entropy intervention: which argument, and what is wrong with it.
public struct InterventionError: Error, Equatable, Hashable, CustomStringConvertible {
  /// The offending argument (for example `ratio` or `centredProducts`).
  public let argument: String
  /// What is wrong, in words.
  public let problem: String

  public init(argument: String, problem: String) {
    self.argument = argument
    self.problem = problem
  }

  public var description: String { "\(argument): \(problem)" }
}

/// Checks a per-token array against the token count and (at valid tokens) for finiteness.
func checkTokens(
  _ values: [Double], count: Int, valid: [Bool], name: String
) throws(InterventionError) {
  guard values.count == count else {
    throw InterventionError(argument: name, problem: "has \(values.count) tokens, expected \(count)")
  }
  for i in 0..<count where valid[i] && !values[i].isFinite {
    throw InterventionError(argument: name, problem: "token \(i) is \(values[i]); values must be finite")
  }
}

/// The validity mask, all-true when nil, after a length check.
func resolvedMask(_ mask: [Bool]?, count: Int, name: String = "valid") throws(InterventionError) -> [Bool] {
  guard let mask else { return Array(repeating: true, count: count) }
  guard mask.count == count else {
    throw InterventionError(argument: name, problem: "has \(mask.count) tokens, expected \(count)")
  }
  return mask
}

/// n = max(1, ⌊r · N⌋), the selection size of Clip-Cov and KL-Cov (docs/theory.md#covariance-selections).
func selectionCount(ratio: Double, validCount: Int) throws(InterventionError) -> Int {
  guard ratio.isFinite, ratio > 0, ratio <= 1 else {
    throw InterventionError(argument: "ratio", problem: "must be in (0, 1], got \(ratio)")
  }
  return max(1, Int((ratio * Double(validCount)).rounded(.down)))
}
