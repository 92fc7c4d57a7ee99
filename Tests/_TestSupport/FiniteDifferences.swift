// DeltaH — entropy change of softmax policies.

import RealModule

/// Test-side numerical differentiation, independent of the library's closed forms.
public enum FiniteDifference {
  /// The derivative f′(0) by Richardson-extrapolated central differences:
  ///
  ///     D(h) = [f(h) − f(−h)] / 2h,    f′ ≈ [4 D(h/2) − D(h)] / 3 + O(h⁴)
  ///
  /// With h = 1e-3 the truncation error is ~1e-13·|f⁽⁵⁾| and the rounding error ~ε|f|/h ≈ 1e-13|f|.
  public static func derivative(step h: Double = 1e-3, _ f: (Double) -> Double) -> Double {
    let d1 = (f(h) - f(-h)) / (2 * h)
    let d2 = (f(h / 2) - f(-h / 2)) / h
    return (4 * d2 - d1) / 3
  }

  /// The gradient of f at x, one Richardson central difference per coordinate.
  public static func gradient(
    at x: [Double], step h: Double = 1e-3, _ f: ([Double]) -> Double
  ) -> [Double] {
    x.indices.map { j in
      derivative(step: h) { t in
        var y = x
        y[j] += t
        return f(y)
      }
    }
  }

  /// The Jacobian of a vector function g at x, column j = ∂g/∂x_j; returned row-major as rows of g.
  public static func jacobian(
    at x: [Double], step h: Double = 1e-3, _ g: ([Double]) -> [Double]
  ) -> [[Double]] {
    let n = x.count
    var columns: [[Double]] = []
    for j in 0..<n {
      func shifted(_ t: Double) -> [Double] {
        var y = x
        y[j] += t
        return g(y)
      }
      let p1 = shifted(h), m1 = shifted(-h), p2 = shifted(h / 2), m2 = shifted(-h / 2)
      columns.append(p1.indices.map { i in (4 * (p2[i] - m2[i]) / h - (p1[i] - m1[i]) / (2 * h)) / 3 })
    }
    let m = columns.first?.count ?? 0
    return (0..<m).map { i in (0..<n).map { j in columns[j][i] } }
  }
}

/// max_i |a_i − b_i| / max(max_i |b_i|, floor): an error relative to the size of the expected vector.
public func normRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-300) -> Double {
  precondition(a.count == b.count, "compared vectors differ in length: \(a.count) vs \(b.count)")
  let diff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
  let scale = max(b.map(abs).max() ?? 0, floor)
  return diff / scale
}

/// max_i |a_i − b_i|.
public func maxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count, "compared vectors differ in length: \(a.count) vs \(b.count)")
  return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// The least-squares slope of log y against log x.
public func logLogSlope(_ x: [Double], _ y: [Double]) -> Double {
  let lx = x.map { Double.log($0) }, ly = y.map { Double.log($0) }
  let mx = lx.reduce(0, +) / Double(lx.count), my = ly.reduce(0, +) / Double(ly.count)
  let sxy = zip(lx, ly).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
  let sxx = lx.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
  return sxy / sxx
}
