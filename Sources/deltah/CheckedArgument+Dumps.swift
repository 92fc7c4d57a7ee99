// DeltaH — entropy change of softmax policies.

import DumpAnalysis

/// The domain-checking parsers of the dump commands' options (see ``CheckedArgument``).
extension CheckedArgument {
  /// A finite number in [0, 1] (PPO's ε_l).
  @Sendable static func unitInterval(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x >= 0, x <= 1 else { throw DomainError(description: "must be in [0, 1]") }
    return x
  }

  /// A finite number > 1 (verl's dual-clip constant `clip_ratio_c`).
  @Sendable static func aboveOne(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x > 1 else { throw DomainError(description: "must be a finite number > 1 (verl's clip_ratio_c)") }
    return x
  }

  /// An integer ≥ 1 (a count or a size).
  @Sendable static func atLeastOne(_ text: String) throws -> Int {
    guard let n = Int(text.trimmingWhitespace()) else { throw DomainError(description: "must be an integer") }
    guard n >= 1 else { throw DomainError(description: "must be at least 1") }
    return n
  }

  /// Two finite numbers `lb,ub` with lb < ub.
  @Sendable static func bounds(_ text: String) throws -> AnalysisOptions.ClosedRangeBounds {
    let values = try finiteList(text)
    guard values.count == 2, values[0] < values[1] else { throw DomainError(description: "takes two finite numbers lb,ub with lb < ub") }
    return .init(lower: values[0], upper: values[1])
  }

  /// Comma-separated finite numbers, such as `1.2,1.1,1.0`.
  @Sendable static func finiteList(_ text: String) throws -> [Double] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let x = Double(part.trimmingWhitespace()), x.isFinite else { throw DomainError(description: "must be finite numbers, comma-separated") }
      return x
    }
  }
}
