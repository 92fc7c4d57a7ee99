// DeltaH — entropy change of softmax policies.

import ArgumentParser

extension CheckedArgument {
  /// A discount γ in [0, 1).
  @Sendable static func discount(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x >= 0, x < 1 else { throw DomainError(description: "must be in [0, 1)") }
    return x
  }

  /// Two finite numbers `lower,upper`, such as the bounds `0.6,0.7`.
  @Sendable static func bounds(_ text: String) throws -> Bounds {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count == 2 else { throw DomainError(description: "takes two numbers lower,upper, got \(parts.count)") }
    return Bounds(lower: try finite(String(parts[0])), upper: try finite(String(parts[1])))
  }

  /// A pair of bounds from ``bounds(_:)``.
  struct Bounds: Sendable {
    let lower: Double
    let upper: Double
  }
}
