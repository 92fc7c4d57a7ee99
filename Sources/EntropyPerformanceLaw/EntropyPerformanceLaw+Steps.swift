// DeltaH — entropy change of softmax policies.

import GSLSupport
import RealModule

// The steps of ``EntropyPerformanceLaw/init(observations:options:)``, in the order it takes them:
// the fit count m, x = e^H, the least-squares fit, the percentile bootstrap, the holdout errors,
// the warnings.
extension EntropyPerformanceLaw {
  /// m, the number of points fitted: n, or ⌊f·n⌋ with a fit fraction f; also checks the options
  /// (``Options/validate()``).
  ///
  /// - Throws: ``LawError`` when n < 3, m < 3, m = n with a fit fraction, and as
  ///   ``Options/validate()`` (f ∉ (0, 1), B < 2, B > ``Options/maximumBootstrapResamples`` or the
  ///   level ∉ (0, 1)).
  /// - Complexity: O(1).
  static func fitCount(points n: Int, options: Options, source: String) throws(LawError) -> Int {
    guard n >= 3 else { throw LawError(source: source, problem: "\(n) points; the law needs at least 3") }
    try options.validate()
    var m = n
    if let f = options.fitFraction {
      m = Int((f * Double(n)).rounded(.down))
      guard m >= 3 else {
        throw LawError(source: "fit fraction", problem: "\(f) of \(n) points fits \(m) points; the law needs at least 3")
      }
      guard m < n else { throw LawError(source: "fit fraction", problem: "\(f) of \(n) points leaves no point to hold out") }
    }
    return m
  }

  /// x_i = e^{H_i} for every point.
  ///
  /// - Throws: ``LawError`` for a non-finite entropy or performance, or an e^H that overflows
  ///   (H > 709).
  /// - Complexity: O(n).
  static func exponentiatedEntropies(_ o: LawObservations) throws(LawError) -> [Double] {
    var x = [Double](repeating: 0, count: o.count)
    for i in 0..<o.count {
      guard o.entropies[i].isFinite, o.performances[i].isFinite else {
        throw LawError(source: o.source, problem: "point \(i) has a non-finite entropy or performance")
      }
      x[i] = Double.exp(o.entropies[i])
      guard x[i].isFinite else {
        throw LawError(source: o.source, problem: "entropy \(o.entropies[i]) at point \(i): e^H overflows (entropies are in nats)")
      }
    }
    return x
  }

  /// R = c0 + c1·x by GSL's `gsl_fit_linear` on the fit points.
  ///
  /// - Throws: ``LawError`` nesting the ``GSLError`` (``LawError/Underlying/fit(_:)``) when the
  ///   entropies do not vary.
  /// - Complexity: O(m).
  static func leastSquares(x: [Double], y: [Double], source: String) throws(LawError) -> LinearFit {
    do throws(GSLError) {
      return try LinearFit(x: x, y: y)
    } catch {
      throw LawError(source: source, fit: error)
    }
  }

  /// The percentile bootstrap over the m fit steps: B resamples drawn with replacement by GSL's
  /// mt19937 seeded with ``Options/seed``, each refitted; the intervals are the α/2 and 1 − α/2
  /// quantiles (numpy's "linear" rule) of the refitted a, b and ceiling. Resamples whose e^H do not
  /// vary are counted in ``degenerateResamples`` and left out.
  struct Bootstrap {
    let aInterval: Interval
    let bInterval: Interval
    let ceilingInterval: Interval
    let degenerateResamples: Int

    /// - Throws: ``LawError`` when fewer than 2 resamples could be fitted.
    /// - Complexity: O(B·m) time, O(B + m) memory.
    init(x xs: [Double], y ys: [Double], options: Options, source: String) throws(LawError) {
      let m = xs.count
      let generator = MersenneTwister(seed: options.seed)
      var bootA: [Double] = [], bootB: [Double] = [], bootC: [Double] = []
      bootA.reserveCapacity(options.bootstrapResamples)
      bootB.reserveCapacity(options.bootstrapResamples)
      bootC.reserveCapacity(options.bootstrapResamples)
      var rx = [Double](repeating: 0, count: m), ry = [Double](repeating: 0, count: m)
      var degenerate = 0
      for _ in 0..<options.bootstrapResamples {
        for j in 0..<m {
          let k = generator.uniformInt(below: m)
          rx[j] = xs[k]
          ry[j] = ys[k]
        }
        guard let f = try? LinearFit(x: rx, y: ry) else {
          degenerate += 1
          continue
        }
        bootA.append(-f.slope)
        bootB.append(f.intercept)
        bootC.append(f.intercept + f.slope)
      }
      guard bootC.count >= 2 else {
        throw LawError(source: source, problem: "only \(bootC.count) of \(options.bootstrapResamples) bootstrap resamples could be fitted (the entropies barely vary)")
      }
      let alpha = 1 - options.confidenceLevel
      func interval(_ v: [Double]) -> Interval {
        let s = v.sorted()
        return Interval(lower: quantile(s, alpha / 2), upper: quantile(s, 1 - alpha / 2))
      }
      aInterval = interval(bootA)
      bInterval = interval(bootB)
      ceilingInterval = interval(bootC)
      degenerateResamples = degenerate
    }
  }

  /// The errors R̂ − R of the fit on the n − m held-out points: their number, √(mean (R̂ − R)²),
  /// max |R̂ − R| and R̂ − R at the last point.
  struct Holdout {
    let count: Int
    let rmse: Double
    let maxError: Double
    let finalError: Double

    /// - Precondition: fitCount < x.count == performances.count.
    /// - Complexity: O(n − m).
    init(fit: LinearFit, x: [Double], performances: [Double], fitCount m: Int) {
      let n = x.count
      var sse = 0.0, worst = 0.0
      for i in m..<n {
        let e = (fit.intercept + fit.slope * x[i]) - performances[i]
        sse += e * e
        worst = max(worst, abs(e))
      }
      count = n - m
      rmse = (sse / Double(n - m)).squareRoot()
      maxError = worst
      finalError = (fit.intercept + fit.slope * x[n - 1]) - performances[n - 1]
    }
  }

  /// What the reader should know about a fit: a ≤ 0 (the law's shape does not hold), fewer than 10
  /// fitted steps, degenerate resamples, skipped rows.
  ///
  /// - Complexity: O(1).
  static func fitWarnings(a: Double, fitCount m: Int, degenerateResamples degenerate: Int, options: Options, skippedRows: Int) -> [String] {
    var w: [String] = []
    if a <= 0 {
      w.append("a = \(a) ≤ 0: performance does not fall with e^H on the fitted steps, so the law's shape (R rising as entropy is spent) does not hold here and the ceiling b − a is no extrapolation of it")
    }
    if m < 10 {
      w.append("only \(m) steps are fitted: with so few, the bootstrap resamples repeat a handful of points and its intervals are unreliable (the standard errors assume independent Gaussian noise)")
    }
    if degenerate > 0 {
      w.append("\(degenerate) of \(options.bootstrapResamples) bootstrap resamples had constant entropy and were left out of the intervals")
    }
    if skippedRows > 0 { w.append("\(skippedRows) rows without an entropy or performance value were skipped") }
    return w
  }
}
