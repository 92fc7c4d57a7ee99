// DeltaH — entropy change of softmax policies.

import ArgumentParser

extension CheckedArgument {
  /// A fraction strictly inside (0, 1): a share of the points that leaves some to hold out.
  @Sendable static func openFraction(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x > 0, x < 1 else { throw DomainError(description: "must be in (0, 1)") }
    return x
  }

  /// A discount factor γ ∈ [0, 1).
  @Sendable static func discount(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x >= 0, x < 1 else { throw DomainError(description: "must be in [0, 1)") }
    return x
  }

  /// An integer ≥ 1 (decimal, fitting in `Int`), such as a count of eigenvalues.
  @Sendable static func positiveInteger(_ text: String) throws -> Int {
    guard let n = Int(text.trimmingWhitespace()) else { throw DomainError(description: "must be an integer") }
    guard n >= 1 else { throw DomainError(description: "must be ≥ 1") }
    return n
  }

  /// Flat position indices, comma-separated, each a non-negative integer (written as an integer
  /// or as a number with an integral value, e.g. `7` or `7.0`).
  @Sendable static func positionIndices(_ text: String) throws -> [Int] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let v = Double(part.trimmingWhitespace()) else { throw DomainError(description: "'\(part)' is not a number") }
      guard v >= 0, let i = Int(exactly: v) else { throw DomainError(description: "\(v) is not a non-negative integer position index") }
      return i
    }
  }
}
