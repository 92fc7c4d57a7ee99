// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif

/// Tick positions and labels for plot axes.
public enum AxisTicks {
  /// Heckbert's "nice" number: the value of the form {1, 2, 5, 10}·10^k closest to `x` (when
  /// `round`) or not below it.
  ///
  /// - Complexity: O(1).
  public static func niceNumber(_ x: Double, round: Bool) -> Double {
    precondition(x > 0 && x.isFinite, "nice numbers are for finite x > 0")
    let exponent = (log10(x)).rounded(.down)
    let fraction = x / pow(10, exponent)
    let nice: Double
    if round {
      nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
    } else {
      nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
    }
    return nice * pow(10, exponent)
  }

  /// About `target` evenly spaced ticks at multiples of a nice step ({1, 2, 5}·10^k) whose first
  /// tick is ≤ `lower` and last ≥ `upper`, so they cover the data. A degenerate range is widened
  /// around its value first. Values within 1e-9 steps of 0 are snapped to 0.
  ///
  /// - Precondition: finite bounds with lower ≤ upper, target ≥ 2.
  /// - Complexity: O(number of ticks).
  public static func linear(lower: Double, upper: Double, target: Int = 5) -> (ticks: [Double], step: Double) {
    precondition(lower.isFinite && upper.isFinite && lower <= upper && target >= 2)
    var lo = lower, hi = upper
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi)) || hi == lo {
      let pad = lo == 0 ? 1 : abs(lo) * 0.1
      lo -= pad
      hi += pad
    }
    let range = niceNumber(hi - lo, round: false)
    let step = niceNumber(range / Double(target - 1), round: true)
    let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
    let ticks = stride(from: first, through: last, by: 1).map { i -> Double in
      let v = i * step
      return abs(v) < step * 1e-9 ? 0 : v
    }
    return (ticks, step)
  }

  /// Ticks of a base-10 logarithmic axis covering [lower, upper]: the powers of ten from
  /// 10^⌊log10 lower⌋ to 10^⌈log10 upper⌉ (every k-th decade when there are more than eight);
  /// when the data span less than two decades, the 1-2-5 values between them as well.
  ///
  /// - Precondition: 0 < lower ≤ upper, both finite.
  /// - Complexity: O(number of decades).
  public static func logarithmic(lower: Double, upper: Double) -> [Double] {
    precondition(lower > 0 && upper.isFinite && lower <= upper)
    var a = Int(log10(lower).rounded(.down)), b = Int(log10(upper).rounded(.up))
    if a == b { a -= 1; b += 1 }
    if log10(upper) - log10(lower) < 2 {
      var ticks: [Double] = []
      for e in a...b { for m in [1.0, 2, 5] where e < b || m == 1 { ticks.append(m * pow(10, Double(e))) } }
      let first = ticks.lastIndex(where: { $0 <= lower }) ?? 0
      let last = ticks.firstIndex(where: { $0 >= upper }) ?? ticks.count - 1
      return Array(ticks[first...last])
    }
    let every = max(1, Int((Double(b - a) / 8).rounded(.up)))
    a = Int((Double(a) / Double(every)).rounded(.down)) * every
    return stride(from: a, through: b + every - 1, by: every).map { pow(10, Double($0)) }.filter { $0 >= pow(10, Double(a)) }
  }

  /// The label of a linear tick at multiples of `step`: as many decimals as the step needs, or
  /// scientific notation when the magnitudes are extreme; U+2212 for the minus sign.
  ///
  /// - Complexity: O(1).
  public static func label(_ value: Double, step: Double) -> String {
    let magnitude = abs(value)
    let s: String
    if value == 0 {
      s = "0"
    } else if magnitude >= 1e5 || step < 1e-4 {
      let decimals = max(0, Int(log10(magnitude).rounded(.down)) - Int(log10(step).rounded(.down)))
      s = NumberFormatting.shortExponent(NumberFormatting.printf("%.\(min(decimals, 6))e", value))
    } else {
      let decimals = max(0, -Int(log10(step).rounded(.down)))
      s = NumberFormatting.printf("%.\(decimals)f", value)
    }
    return s.replacingScalars("-", with: "\u{2212}")
  }
}
