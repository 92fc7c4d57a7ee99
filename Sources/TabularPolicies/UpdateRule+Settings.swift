// DeltaH — entropy change of softmax policies.

extension UpdateRule.Parameters {
  /// One setting of ``UpdateRule/Parameters``, named by its JSON key.
  public enum Field: String, Sendable, CaseIterable, Codable {
    case entropyCoefficient = "entropy_coefficient"
    case temperatureCoefficient = "temperature_coefficient"
    case temperatureTarget = "temperature_target"
    case highTemperature = "high_temperature"
    case lowTemperature = "low_temperature"
    case samplesPerState = "samples_per_state"
    case epochs
    case clipLow = "clip_low"
    case clipHigh = "clip_high"
    case dualClip = "dual_clip"
    case grpoEpsilon = "grpo_epsilon"
  }
}

extension UpdateRule {
  /// The settings this rule runs with, read from the rule itself (so every default is resolved
  /// as ``init(_:parameters:intervention:)`` resolved it), in ``Parameters/Field`` order:
  ///
  /// * pg, npg: none;
  /// * entropy-bonus rules: α;
  /// * temperature rules: α, H_target, T_high, T_low;
  /// * sampled rules: the entropy bonus α (0 without one), α, H_target, T_high and T_low of the
  ///   π^T term when it is on, G, epochs, ε_low, ε_high and the dual clip c as used (nil: none;
  ///   STEER's default 3 when none is given) unless the intervention replaces the PPO clip
  ///   (``EntropyIntervention/usesClipping``: KL-Cov, CISPO, BAPO, HAPO, annealed KL-Cov), and,
  ///   for the GRPO estimator (grpo, ppo), its std epsilon.
  ///
  /// A setting not listed has no effect on the rule.
  ///
  /// - Complexity: O(1).
  public var settings: [(field: Parameters.Field, value: Double?)] {
    func temperature(_ t: TemperatureReinforcement) -> [(field: Parameters.Field, value: Double?)] {
      [(.temperatureCoefficient, t.coefficient), (.temperatureTarget, t.targetEntropy), (.highTemperature, t.highTemperature),
       (.lowTemperature, t.lowTemperature)]
    }
    switch self {
    case .exact(.policyGradient), .exact(.naturalPolicyGradient): return []
    case .exact(.entropyBonus(let alpha, _)): return [(.entropyCoefficient, alpha)]
    case .exact(.temperatureReinforcement(let t)): return temperature(t)
    case .sampled(let s):
      var read: [(field: Parameters.Field, value: Double?)] = [(.entropyCoefficient, s.entropyCoefficient)]
      if let t = s.temperatureReinforcement { read += temperature(t) }
      read += [(.samplesPerState, Double(s.samplesPerState)), (.epochs, Double(s.epochs))]
      // The PPO clip is read unless the intervention replaces it (KL-Cov, ratio-carrying token
      // weightings); the dual clip as used, STEER's own default included.
      if s.intervention.usesClipping {
        read += [(.clipLow, s.clipLow), (.clipHigh, s.clipHigh), (.dualClip, s.dualClip ?? s.intervention.defaultDualClip)]
      }
      if case .grpo(let epsilon) = s.estimator { read.append((.grpoEpsilon, epsilon)) }
      return read
    }
  }
}

extension UpdateRule.Parameters {
  /// The parameters with each setting in `settings` replacing its default (a setting not in it
  /// keeps the default documented on its property).
  ///
  /// - Throws: `TabularPolicyError` naming the setting when a count (`samples_per_state`,
  ///   `epochs`) is not an integer; domains are checked when the rule is built.
  /// - Complexity: O(number of settings).
  public init(settings: [Field: Double]) throws(TabularPolicyError) {
    self.init()
    func count(_ field: Field, _ value: Double) throws(TabularPolicyError) -> Int {
      guard let n = Int(exactly: value) else { throw TabularPolicyError(argument: field.rawValue, problem: "must be an integer, got \(value)") }
      return n
    }
    for field in Field.allCases {
      guard let value = settings[field] else { continue }
      switch field {
      case .entropyCoefficient: entropyCoefficient = value
      case .temperatureCoefficient: temperatureCoefficient = value
      case .temperatureTarget: temperatureTarget = value
      case .highTemperature: highTemperature = value
      case .lowTemperature: lowTemperature = value
      case .samplesPerState: samplesPerState = try count(field, value)
      case .epochs: epochs = try count(field, value)
      case .clipLow: clipLow = value
      case .clipHigh: clipHigh = value
      case .dualClip: dualClip = value
      case .grpoEpsilon: grpoEpsilon = value
      }
    }
  }
}
