// DeltaH — entropy change of softmax policies.

import GSLSupport
import RealModule

/// The entropy–performance law of Cui et al. (2025, §2.4 Eq. 6) fitted to a training run:
///
///     R = b − a·e^H         (R performance, H entropy in nats; a = the conversion rate)
///     ceiling = b − a       (R extrapolated to H = 0)
///
/// Linear least squares on x = e^H by GSL's `gsl_fit_linear` (R = c0 + c1·x, so b = c0, a = −c1),
/// on the first m points in step order (all of them unless a fit fraction f is given, then
/// m = ⌊f·n⌋). Reported:
///
/// * a, b, ceiling with their least-squares standard errors from GSL's covariance
///   (se(ceiling)² = cov00 + 2·cov01 + cov11, since ceiling = c0 + c1);
/// * percentile bootstrap intervals (level 1 − α, default 95 %) for a, b and the ceiling: B
///   resamples of the m fit steps drawn with replacement by GSL's mt19937 seeded with `seed`,
///   each refitted; the interval is the α/2 and 1 − α/2 quantiles of the refitted values (linear
///   interpolation between order statistics, numpy's default rule). Resamples whose e^H do not vary
///   cannot be fitted; they are counted in ``degenerateResamples`` and left out;
/// * fitRMSE = √(Σ residual² / m) on the fit steps;
/// * with a fit fraction, on the n − m later steps: holdout RMSE √(mean (R̂ − R)²), holdout max
///   error max |R̂ − R| and the final step's error R̂ − R (Cui et al. §2.5: "the early part of a run
///   predicts the rest").
///
/// Same observations, options and seed give bit-identical results.
public struct EntropyPerformanceLaw: Sendable, Codable, Equatable {
  /// How to fit.
  public struct Options: Sendable, Codable, Equatable {
    /// Fit on the first ⌊f·n⌋ points only (0 < f < 1), judging the fit on the rest; nil = all.
    public var fitFraction: Double?
    /// B, the number of bootstrap resamples.
    public var bootstrapResamples: Int
    /// The seed of the bootstrap's mt19937 stream.
    public var seed: UInt64
    /// 1 − α, the level of the bootstrap intervals.
    public var confidenceLevel: Double

    /// The defaults: all points, B = 2000, seed 0, 95 %.
    public static let defaultBootstrapResamples = 2000
    /// The fewest resamples accepted: a percentile interval needs at least two fitted resamples
    /// (with one, every fit fails after reading the data).
    public static let minimumBootstrapResamples = 2
    /// The most resamples accepted (B values are stored; beyond this a run takes hours or B·8
    /// bytes cannot be allocated).
    public static let maximumBootstrapResamples = 1_000_000

    public init(fitFraction: Double? = nil, bootstrapResamples: Int = Options.defaultBootstrapResamples, seed: UInt64 = 0, confidenceLevel: Double = 0.95) {
      self.fitFraction = fitFraction
      self.bootstrapResamples = bootstrapResamples
      self.seed = seed
      self.confidenceLevel = confidenceLevel
    }

    enum CodingKeys: String, CodingKey {
      case seed
      case fitFraction = "fit_fraction"
      case bootstrapResamples = "bootstrap_resamples"
      case confidenceLevel = "confidence_level"
    }
  }

  /// A closed interval [lower, upper].
  public struct Interval: Sendable, Codable, Equatable {
    public var lower: Double
    public var upper: Double
    public init(lower: Double, upper: Double) {
      self.lower = lower
      self.upper = upper
    }
    /// lower ≤ x ≤ upper (false for NaN; bounds included).
    ///
    /// - Complexity: O(1).
    public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
  }

  /// One point of the run and whether it was fitted.
  public struct Point: Sendable, Codable, Equatable {
    /// The step (the point's index when the log has no step column).
    public var step: Double
    public var entropy: Double
    public var performance: Double
    /// true for the first m points, which the fit used.
    public var fitted: Bool
  }

  public let a: Double
  public let b: Double
  /// b − a.
  public let ceiling: Double
  /// Least-squares standard errors (GSL covariance with σ̂² = SSR/(m − 2)).
  public let aStandardError: Double
  public let bStandardError: Double
  public let ceilingStandardError: Double
  /// Bootstrap percentile intervals at ``Options/confidenceLevel``.
  public let aInterval: Interval
  public let bInterval: Interval
  public let ceilingInterval: Interval
  /// √(SSR/m) on the fit points.
  public let fitRMSE: Double
  /// m, the number of points fitted.
  public let fitCount: Int
  /// n, the number of points.
  public let count: Int
  /// With a fit fraction, on the n − m held-out points: their number, √(mean (R̂ − R)²),
  /// max |R̂ − R| and R̂ − R at the last point (nil without a fit fraction).
  public let holdoutCount: Int?
  public let holdoutRMSE: Double?
  public let holdoutMaxError: Double?
  public let holdoutFinalError: Double?
  /// Bootstrap resamples that could not be fitted (their e^H did not vary).
  public let degenerateResamples: Int
  /// The options used.
  public let options: Options
  /// Where the points came from (the arrays are in ``points``).
  public let source: String
  public let format: String
  public let entropyColumn: String
  public let performanceColumn: String
  public let stepColumn: String?
  public let skippedRows: Int
  public let notes: [String]
  /// The points in step order.
  public let points: [Point]
  /// Everything the reader should know about this fit.
  public var warnings: [String]

  /// The fitted performance at entropy H, b − a·e^H.
  ///
  /// - Complexity: O(1).
  public func predictedPerformance(atEntropy h: Double) -> Double { b - a * Double.exp(h) }

  /// Fits the law; see the type's documentation for the formulas.
  ///
  /// - Throws: ``LawError`` when fewer than 3 points are fitted, no point is held out with a fit
  ///   fraction, the fit fraction is outside (0, 1), B < 2 or B > ``Options/maximumBootstrapResamples`` or the level outside (0, 1), e^H is not
  ///   finite (H > 709), or the fitted entropies do not vary.
  /// - Complexity: O(B·m) for the bootstrap plus O(n).
  public init(observations o: LawObservations, options: Options = Options()) throws(LawError) {
    let n = o.count
    let m = try Self.fitCount(points: n, options: options, source: o.source)
    let x = try Self.exponentiatedEntropies(o)
    let xs = Array(x[..<m]), ys = Array(o.performances[..<m])
    let fit = try Self.leastSquares(x: xs, y: ys, source: o.source)
    a = -fit.slope
    b = fit.intercept
    ceiling = fit.intercept + fit.slope
    aStandardError = fit.covarianceSlopeSlope.squareRoot()
    bStandardError = fit.covarianceInterceptIntercept.squareRoot()
    ceilingStandardError = max(0, fit.covarianceInterceptIntercept + 2 * fit.covarianceInterceptSlope + fit.covarianceSlopeSlope).squareRoot()
    fitRMSE = (fit.sumOfSquaredResiduals / Double(m)).squareRoot()
    fitCount = m
    count = n
    let bootstrap = try Bootstrap(x: xs, y: ys, options: options, source: o.source)
    aInterval = bootstrap.aInterval
    bInterval = bootstrap.bInterval
    ceilingInterval = bootstrap.ceilingInterval
    degenerateResamples = bootstrap.degenerateResamples
    let holdout = m < n ? Holdout(fit: fit, x: x, performances: o.performances, fitCount: m) : nil
    holdoutCount = holdout?.count
    holdoutRMSE = holdout?.rmse
    holdoutMaxError = holdout?.maxError
    holdoutFinalError = holdout?.finalError
    self.options = options
    self.source = o.source
    format = o.format
    entropyColumn = o.entropyColumn
    performanceColumn = o.performanceColumn
    stepColumn = o.stepColumn
    skippedRows = o.skippedRows
    notes = o.notes
    points = (0..<n).map { i in
      Point(step: o.steps?[i] ?? Double(i), entropy: o.entropies[i], performance: o.performances[i], fitted: i < m)
    }
    warnings = Self.fitWarnings(
      a: a, fitCount: m, degenerateResamples: bootstrap.degenerateResamples, options: options, skippedRows: o.skippedRows)
  }

  enum CodingKeys: String, CodingKey {
    case a, b, ceiling, count, options, source, format, notes, points, warnings
    case aStandardError = "a_standard_error"
    case bStandardError = "b_standard_error"
    case ceilingStandardError = "ceiling_standard_error"
    case aInterval = "a_interval"
    case bInterval = "b_interval"
    case ceilingInterval = "ceiling_interval"
    case fitRMSE = "fit_rmse"
    case fitCount = "fit_count"
    case degenerateResamples = "degenerate_resamples"
    case entropyColumn = "entropy_column"
    case performanceColumn = "performance_column"
    case stepColumn = "step_column"
    case skippedRows = "skipped_rows"
    case holdoutCount = "holdout_count"
    case holdoutRMSE = "holdout_rmse"
    case holdoutMaxError = "holdout_max_error"
    case holdoutFinalError = "holdout_final_error"
  }
}

/// The q-quantile of sorted values by linear interpolation between order statistics
/// (h = (n − 1)q; numpy's default "linear" method).
///
/// - Precondition: `sorted` is non-empty and ascending; 0 ≤ q ≤ 1.
/// - Complexity: O(1).
func quantile(_ sorted: [Double], _ q: Double) -> Double {
  let h = Double(sorted.count - 1) * q
  let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
  return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}
