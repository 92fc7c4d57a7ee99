// DeltaH — entropy change of softmax policies.

import _NumericsSupport

/// Parsers for `@Option(transform:)` that check a value's domain while parsing, so that a bad value
/// is refused in one line naming the flag, before anything runs:
///
///     @Option(help: "Learning rate η > 0.", transform: CheckedArgument.positive)
///     var lr: Double = 1
///
///     Error: The value '-1' is invalid for '--lr <lr>': must be a finite number > 0
///
/// NaN and ±∞ are refused by every number parser. Each domain is the one the library checks again
/// when the value reaches it (in the library's words, which name no flag).
enum CheckedArgument {
  /// The reason a value is outside its domain, printed after ArgumentParser's "The value … is
  /// invalid for '--flag <value>'".
  struct DomainError: Error, CustomStringConvertible {
    let description: String
  }

  /// A parser of one option value.
  typealias Parser<Value> = @Sendable (String) throws -> Value

  /// A finite number that `accepts`; otherwise `problem` is the parse error.
  static func number(_ problem: String, accepts: @escaping @Sendable (Double) -> Bool) -> Parser<Double> {
    { text in
      guard let x = Double(text.trimmingWhitespace()), x.isFinite else { throw DomainError(description: "must be a finite number") }
      guard accepts(x) else { throw DomainError(description: problem) }
      return x == 0 ? 0 : x  // -0 is the setting 0 (shown as 0.0, not -0.0)
    }
  }

  /// A finite number.
  static let finite = number("must be a finite number") { _ in true }
  /// A finite number > 0.
  static let positive = number("must be a finite number > 0") { $0 > 0 }
  /// A finite number ≥ 0.
  static let nonNegative = number("must be a finite number ≥ 0") { $0 >= 0 }
  /// A fraction in (0, 1] (a ratio such as verl's `kl_cov_ratio`, not a percentage).
  static let fraction = number("must be in (0, 1]; it is a fraction, not a percentage") { $0 > 0 && $0 <= 1 }
  /// A finite number in [0, 1] (PPO's ε_l).
  static let unitInterval = number("must be in [0, 1]") { $0 >= 0 && $0 <= 1 }
  /// A fraction strictly inside (0, 1): a share of the points that leaves some to hold out.
  static let openFraction = number("must be in (0, 1)") { $0 > 0 && $0 < 1 }
  /// A discount factor γ ∈ [0, 1).
  static let discount = number("must be in [0, 1)") { $0 >= 0 && $0 < 1 }
  /// A finite number > 1 (verl's dual-clip constant `clip_ratio_c`).
  static let aboveOne = number("must be a finite number > 1 (verl's clip_ratio_c)") { $0 > 1 }
  /// A temperature: finite, > 0, and with a finite 1/T (a subnormal T overflows 1/T to ∞).
  static let temperature: Parser<Double> = { text in
    let t = try positive(text)
    guard (1 / t).isFinite else {
      throw DomainError(description: "too small: 1/T overflows to infinity (use T ≥ \(1 / Double.greatestFiniteMagnitude))")
    }
    return t
  }

  /// An integer in `range` (decimal, fitting in `Int`).
  static func integer(in range: ClosedRange<Int>) -> Parser<Int> {
    { text in
      guard let n = Int(text.trimmingWhitespace()) else { throw DomainError(description: "must be an integer") }
      guard range.contains(n) else {
        throw DomainError(description: range.upperBound == .max ? "must be at least \(range.lowerBound)" : "out of range: \(range.lowerBound) … \(range.upperBound)")
      }
      return n
    }
  }

  /// An integer ≥ 1 (decimal, fitting in `Int`): a count or a size.
  static let atLeastOne = integer(in: 1...Int.max)

  /// Comma-separated finite numbers, such as `1.2,1.1,1.0` (at least one).
  static let finiteList: Parser<[Double]> = { text in
    try text.split(separator: ",", omittingEmptySubsequences: false).enumerated().map { i, part in
      guard let x = Double(part.trimmingWhitespace()) else { throw DomainError(description: "element \(i) '\(part)' is not a number (give comma-separated numbers)") }
      guard x.isFinite else { throw DomainError(description: "element \(i) is \(x); values must be finite") }
      return x
    }
  }

  /// Two finite numbers `lower,upper` with lower ≤ upper (lower < upper when `strict`), such as
  /// Entrocraft's band `0.6,0.7` or Clip-Cov's strict covariance band `1,5`.
  static func band(strict: Bool) -> Parser<Band> {
    { text in
      let v = try finiteList(text)
      guard v.count == 2, strict ? v[0] < v[1] : v[0] <= v[1] else {
        throw DomainError(description: "takes two finite numbers lower,upper with lower \(strict ? "<" : "≤") upper")
      }
      return Band(lower: v[0], upper: v[1])
    }
  }

  /// Flat position indices, comma-separated, each a non-negative integer (written as an integer
  /// or as a number with an integral value, e.g. `7` or `7.0`).
  static let positionIndices: Parser<[Int]> = { text in
    try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let v = Double(part.trimmingWhitespace()) else { throw DomainError(description: "'\(part)' is not a number") }
      guard v >= 0, let i = Int(exactly: v) else { throw DomainError(description: "\(v) is not a non-negative integer position index") }
      return i
    }
  }

  /// A band lower,upper from ``band(strict:)``.
  struct Band: Sendable {
    let lower: Double
    let upper: Double
  }
}
