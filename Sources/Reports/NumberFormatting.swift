// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif

/// Number-to-text rules shared by the tables and figures.
public enum NumberFormatting {
  /// `x` with `digits` significant digits, trailing zeros kept (so a column reads with a
  /// consistent precision), fixed notation for 1e-4 ≤ |x| < 10^digits and scientific otherwise,
  /// with a short exponent (`1.235e-5`); an exact zero is "0". NaN → "NaN", ±∞ → "inf"/"-inf".
  ///
  ///     significant(0.5, digits: 4)        "0.5000"
  ///     significant(12345.6, digits: 4)    "1.235e4"
  ///     significant(-1.234567e-5, digits: 4)  "-1.235e-5"
  ///
  /// - Complexity: O(digits).
  public static func significant(_ x: Double, digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
    if x == 0 { return "0" }
    var s = printf("%#.\(digits)g", x)
    if s.hasSuffix(".") { s.removeLast() }
    return shortExponent(s)
  }

  /// The shortest text that reads back as exactly `x` (Swift's round-trip description), with a
  /// short exponent; NaN → "NaN", ±∞ → "inf"/"-inf". Used by CSV, JSON and provenance.
  ///
  /// - Complexity: O(1).
  public static func exact(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return shortExponent("\(x)")
  }

  /// `x` formatted by C's `printf` rules for a single floating-point conversion (`format` holds
  /// exactly one `%…e`, `%…f` or `%…g` and nothing that consumes another argument), e.g.
  /// `printf("%.3g", 0.012345)` is "0.0123". Locale-independent (the C locale is never changed).
  ///
  /// - Complexity: O(length of the result).
  public static func printf(_ format: String, _ x: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let needed = withVaList([x]) { args in
      buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, args) }
    }
    if needed >= buffer.count {
      buffer = [CChar](repeating: 0, count: Int(needed) + 1)
      _ = withVaList([x]) { args in
        buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, args) }
      }
    }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// "1.5e-05" → "1.5e-5", "2e+10" → "2e10".
  static func shortExponent(_ s: String) -> String {
    guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return s }
    let mantissa = s[..<e]
    var exponent = s[s.index(after: e)...]
    var sign = ""
    if let f = exponent.first, f == "+" || f == "-" {
      if f == "-" { sign = "-" }
      exponent = exponent.dropFirst()
    }
    let digits = exponent.drop(while: { $0 == "0" })
    return "\(mantissa)e\(sign)\(digits.isEmpty ? "0" : digits)"
  }
}
