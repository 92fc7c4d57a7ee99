// DeltaH — entropy change of softmax policies.

import ArgumentParser

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

  /// A finite number > 0.
  @Sendable static func positive(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x > 0 else { throw DomainError(description: "must be a finite number > 0") }
    return x
  }

  /// A finite number ≥ 0.
  @Sendable static func nonNegative(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x >= 0 else { throw DomainError(description: "must be a finite number ≥ 0") }
    return x
  }

  /// A fraction in (0, 1] (a ratio such as verl's `kl_cov_ratio`, not a percentage).
  @Sendable static func fraction(_ text: String) throws -> Double {
    let x = try finite(text)
    guard x > 0, x <= 1 else { throw DomainError(description: "must be in (0, 1]; it is a fraction, not a percentage") }
    return x
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
}
