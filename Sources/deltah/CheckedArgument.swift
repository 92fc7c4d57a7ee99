// DeltaH — entropy change of softmax policies.

import _NumericsSupport
import DumpAnalysis

/// Parsers for `@Option(transform:)` that check a value's domain while parsing, so that a bad value
/// is refused in one line naming the flag, before anything runs:
///
///     @Option(help: "Learning rate η > 0.", transform: CheckedArgument.positive)
///     var lr: Double = 1
///
///     Error: The value '-1' is invalid for '--lr <lr>': must be a finite number > 0
///
/// NaN and ±∞ are refused by every number parser (a domain that allows them says so).
enum CheckedArgument {
  /// The reason a value is outside its domain, printed after ArgumentParser's "The value … is
  /// invalid for '--flag <value>'".
  struct DomainError: Error, CustomStringConvertible {
    let description: String
  }

  /// A finite number.
  @Sendable static func finite(_ text: String) throws -> Double {
    guard let x = Double(text.trimmingWhitespace()), x.isFinite else { throw DomainError(description: "must be a finite number") }
    return x
  }

  /// A finite number that `accepts`, or the `problem` as the parse error.
  private static func number(_ text: String, _ problem: String, accepts: (Double) -> Bool) throws -> Double {
    let x = try finite(text)
    guard accepts(x) else { throw DomainError(description: problem) }
    return x
  }

  /// A finite number > 0.
  @Sendable static func positive(_ text: String) throws -> Double {
    try number(text, "must be a finite number > 0") { $0 > 0 }
  }

  /// A finite number ≥ 0.
  @Sendable static func nonNegative(_ text: String) throws -> Double {
    try number(text, "must be a finite number ≥ 0") { $0 >= 0 }
  }

  /// A fraction in (0, 1] (a ratio such as verl's `kl_cov_ratio`, not a percentage).
  @Sendable static func fraction(_ text: String) throws -> Double {
    try number(text, "must be in (0, 1]; it is a fraction, not a percentage") { $0 > 0 && $0 <= 1 }
  }

  /// A temperature: finite, > 0, and with a finite 1/T (a subnormal T overflows 1/T to ∞).
  @Sendable static func temperature(_ text: String) throws -> Double {
    let t = try positive(text)
    guard (1 / t).isFinite else {
      throw DomainError(description: "too small: 1/T overflows to infinity (use T ≥ \(1 / Double.greatestFiniteMagnitude))")
    }
    return t
  }

  /// An integer in `range` (decimal, fitting in `Int`).
  static func integer(in range: ClosedRange<Int>) -> @Sendable (String) throws -> Int {
    { text in
      guard let n = Int(text.trimmingWhitespace()) else { throw DomainError(description: "must be an integer") }
      guard range.contains(n) else { throw DomainError(description: "out of range: \(range.lowerBound) … \(range.upperBound)") }
      return n
    }
  }
  /// A finite number in [0, 1] (PPO's ε_l).
  @Sendable static func unitInterval(_ text: String) throws -> Double {
    try number(text, "must be in [0, 1]") { $0 >= 0 && $0 <= 1 }
  }

  /// A fraction strictly inside (0, 1): a share of the points that leaves some to hold out.
  @Sendable static func openFraction(_ text: String) throws -> Double {
    try number(text, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
  }

  /// A discount factor γ ∈ [0, 1).
  @Sendable static func discount(_ text: String) throws -> Double {
    try number(text, "must be in [0, 1)") { $0 >= 0 && $0 < 1 }
  }

  /// A finite number > 1 (verl's dual-clip constant `clip_ratio_c`).
  @Sendable static func aboveOne(_ text: String) throws -> Double {
    try number(text, "must be a finite number > 1 (verl's clip_ratio_c)") { $0 > 1 }
  }

  /// An integer ≥ 1 (decimal, fitting in `Int`): a count or a size.
  @Sendable static func atLeastOne(_ text: String) throws -> Int {
    guard let n = Int(text.trimmingWhitespace()) else { throw DomainError(description: "must be an integer") }
    guard n >= 1 else { throw DomainError(description: "must be at least 1") }
    return n
  }

  /// Comma-separated finite numbers, such as `1.2,1.1,1.0`.
  @Sendable static func finiteList(_ text: String) throws -> [Double] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let x = Double(part.trimmingWhitespace()), x.isFinite else { throw DomainError(description: "must be finite numbers, comma-separated") }
      return x
    }
  }

  /// Two finite numbers `lower,upper` in either order, such as Entrocraft's band `0.6,0.7`.
  @Sendable static func pair(_ text: String) throws -> Pair {
    let values = try finiteList(text)
    guard values.count == 2 else { throw DomainError(description: "takes two numbers lower,upper, got \(values.count)") }
    return Pair(lower: values[0], upper: values[1])
  }

  /// Two finite numbers `lb,ub` with lb < ub (Clip-Cov's strict covariance band).
  @Sendable static func bounds(_ text: String) throws -> AnalysisOptions.ClosedRangeBounds {
    let values = try finiteList(text)
    guard values.count == 2, values[0] < values[1] else { throw DomainError(description: "takes two finite numbers lb,ub with lb < ub") }
    return .init(lower: values[0], upper: values[1])
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

  /// A pair of numbers from ``pair(_:)``.
  struct Pair: Sendable {
    let lower: Double
    let upper: Double
  }
}
