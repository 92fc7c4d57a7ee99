// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import LogitDumps

/// A setting of a dump analysis or comparison outside its domain: which setting (named as the
/// library's types name it, e.g. `learningRate` or `clipCovBounds`), the value given and the
/// domain it must lie in.
///
///     learningRate (η) = -1.0 is outside its domain: must be finite and > 0 (η ≤ 0 flips the sign of every polarity)
///
/// The pipeline entry points (``DumpPipeline``) and ``BatchAnalysis/init(table:file:step:options:)``
/// report it as a ``DumpError`` against the dump analysed, with this error as
/// ``DumpError/underlying``. A setting that is an intervention's parameter (the PPO clip of
/// ``AnalysisOptions/clipping``) is checked by that intervention's own validation, whose
/// ``InterventionError`` is nested as ``intervention``, so its domain is stated once.
public struct AnalysisSettingError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
  /// The setting, as its property is named (`learningRate`, `klCovRatio`, `clipping.low`, …).
  public let setting: String
  /// The value given, as text.
  public let value: String
  /// The domain it must lie in, in words ("must be finite and > 0").
  public let problem: String
  /// The intervention's refusal, as it threw it, when the setting is an intervention's parameter
  /// (`problem` is its problem); nil for a setting checked by the analysis itself.
  public let intervention: InterventionError?

  public init(setting: String, value: String, problem: String) {
    self.setting = setting
    self.value = value
    self.problem = problem
    self.intervention = nil
  }

  /// A setting refused by the intervention that reads it, its error nested as ``intervention``
  /// and its problem (which names the domain and the value) as ``problem``.
  ///
  /// - Complexity: O(1).
  public init(setting: String, value: String, nesting error: InterventionError) {
    self.setting = setting
    self.value = value
    self.problem = error.problem
    self.intervention = error
  }

  public var description: String { "\(setting) = \(value) is outside its domain: \(problem)" }
}

extension AnalysisOptions {
  /// Checks every setting against its domain:
  ///
  ///     learningRate       finite, > 0                 (η ≤ 0 flips or zeroes every polarity)
  ///     klCovRatio         finite, in (0, 1]           (a fraction of the valid tokens)
  ///     clipCovRatio       finite, in (0, 1]
  ///     clipCovBounds      finite, lower < upper       (strict candidate band ω_low < Cov < ω_high)
  ///     microBatch         nil or ≥ 1
  ///     steerWeightRange   finite, 0 < lower ≤ upper   (token weights)
  ///     clipping           low ∈ [0, 1], high finite ≥ 0, dual nil or finite > 1 (``PPOClipWeighting/validate()``)
  ///
  /// The seed and the recorded sources take any value.
  ///
  /// - Throws: ``AnalysisSettingError`` naming the first setting outside its domain.
  /// - Complexity: O(1).
  public func validate() throws(AnalysisSettingError) {
    try Self.checkLearningRate(learningRate, setting: "learningRate")
    try Self.checkRatio(klCovRatio, setting: "klCovRatio")
    try Self.checkRatio(clipCovRatio, setting: "clipCovRatio")
    let b = clipCovBounds
    guard b.lower.isFinite, b.upper.isFinite, b.lower < b.upper else {
      throw AnalysisSettingError(
        setting: "clipCovBounds", value: "(\(b.lower), \(b.upper))", problem: "must be finite with lower < upper (the candidates are lower < Cov_i < upper)")
    }
    if let m = microBatch, m < 1 {
      throw AnalysisSettingError(setting: "microBatch", value: "\(m)", problem: "must be nil (global only) or ≥ 1")
    }
    let w = steerWeightRange
    guard w.lower.isFinite, w.upper.isFinite, w.lower > 0, w.lower <= w.upper else {
      throw AnalysisSettingError(
        setting: "steerWeightRange", value: "(\(w.lower), \(w.upper))", problem: "must be finite with 0 < lower ≤ upper (STEER's token weights)")
    }
    if let clipping { try clipping.validate() }
  }

  /// η: finite and > 0.
  static func checkLearningRate(_ eta: Double, setting: String) throws(AnalysisSettingError) {
    guard eta.isFinite, eta > 0 else {
      throw AnalysisSettingError(
        setting: setting, value: "\(eta)", problem: "η must be finite and > 0 (η ≤ 0 flips or zeroes the sign of every polarity)")
    }
  }

  /// A selection ratio: finite, in (0, 1].
  static func checkRatio(_ ratio: Double, setting: String) throws(AnalysisSettingError) {
    guard ratio.isFinite, ratio > 0, ratio <= 1 else {
      throw AnalysisSettingError(setting: setting, value: "\(ratio)", problem: "must be a fraction in (0, 1]")
    }
  }
}

extension ClipSettings {
  /// Checks the settings with the PPO clip's own validation, ``PPOClipWeighting/validate()``
  /// (ε_l ∈ [0, 1], ε_h finite ≥ 0, c finite > 1), the one place these domains are stated.
  ///
  /// - Throws: ``AnalysisSettingError`` naming `clipping.low`, `clipping.high` or `clipping.dual`,
  ///   with the ``InterventionError`` nested as ``AnalysisSettingError/intervention``.
  /// - Complexity: O(1).
  public func validate() throws(AnalysisSettingError) {
    do {
      try rule.validate()
    } catch {
      // The rule's parameter names (clipLow, clipHigh, dualClip) are this type's low, high, dual.
      let (setting, value): (String, Double?) =
        switch error.argument {
        case "clipLow": ("clipping.low", low)
        case "clipHigh": ("clipping.high", high)
        case "dualClip": ("clipping.dual", dual)
        default: ("clipping", nil)
        }
      let text = value.map { "\($0)" } ?? "(\(low), \(high), \(dual.map { "\($0)" } ?? "nil"))"
      throw AnalysisSettingError(setting: setting, value: text, nesting: error)
    }
  }
}

extension DumpAnalysisSettings {
  /// Checks T (when given: finite, > 0, with finite 1/T), η (when given: finite, > 0) and the
  /// options (``AnalysisOptions/validate()``; their own η is checked only when no η is given,
  /// since a given η replaces it).
  ///
  /// - Throws: ``AnalysisSettingError`` naming the first setting outside its domain.
  /// - Complexity: O(1).
  public func validate() throws(AnalysisSettingError) {
    if let t = temperature { try Self.checkTemperature(t) }
    var o = options
    if let learningRate {
      try AnalysisOptions.checkLearningRate(learningRate, setting: "learningRate")
      o.learningRate = learningRate
    }
    try o.validate()
  }

  /// T: finite, > 0, with finite 1/T.
  static func checkTemperature(_ t: Double) throws(AnalysisSettingError) {
    guard t.isFinite, t > 0, (1 / t).isFinite else {
      throw AnalysisSettingError(setting: "temperature", value: "\(t)", problem: "T must be finite and > 0, with a finite 1/T")
    }
  }
}

extension ComparisonSettings {
  /// Checks T (when given: finite, > 0, with finite 1/T) and the trust tolerance ε (finite, > 0).
  ///
  /// - Throws: ``AnalysisSettingError`` naming `temperature` or `trustTolerance`.
  /// - Complexity: O(1).
  public func validate() throws(AnalysisSettingError) {
    if let t = temperature { try DumpAnalysisSettings.checkTemperature(t) }
    try Self.checkTrustTolerance(trustTolerance)
  }

  /// ε: finite and > 0.
  static func checkTrustTolerance(_ epsilon: Double) throws(AnalysisSettingError) {
    guard epsilon.isFinite, epsilon > 0 else {
      throw AnalysisSettingError(setting: "trustTolerance", value: "\(epsilon)", problem: "ε must be finite and > 0")
    }
  }
}

extension DumpError {
  /// The error reporting a setting outside its domain for the analysis (or comparison) of `file`,
  /// with `error` as ``underlying``: `file: setting learningRate = -1.0 is outside its domain: …`.
  ///
  /// - Complexity: O(length of the description).
  public init(file: String, setting error: AnalysisSettingError) {
    self.init(file: file, context: "setting ", nesting: error)
  }
}
