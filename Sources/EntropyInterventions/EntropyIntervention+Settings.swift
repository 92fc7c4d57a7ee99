// DeltaH — entropy change of softmax policies.

extension EntropyIntervention.Parameters {
  /// One setting of ``EntropyIntervention/Parameters``, named by its JSON key (a band is two
  /// settings, its lower and its upper end).
  public enum Field: String, Sendable, CaseIterable, Codable {
    case covarianceRatio = "covariance_ratio"
    case covarianceLowerBound = "covariance_lower_bound"
    case covarianceUpperBound = "covariance_upper_bound"
    case klCoefficient = "kl_coefficient"
    case klTimescale = "kl_timescale"
    case sirenTopP = "siren_top_p"
    case steerMinimum = "steer_minimum"
    case steerMaximum = "steer_maximum"
    case entrocraftStartLower = "entrocraft_start_lower"
    case entrocraftStartUpper = "entrocraft_start_upper"
    case entrocraftEndLower = "entrocraft_end_lower"
    case entrocraftEndUpper = "entrocraft_end_upper"
    case forkingRatio = "forking_ratio"
    case polarityTarget = "polarity_target"
    case polarityGain = "polarity_gain"
  }

  /// The settings that intervention `kind` reads, in ``Field`` order, each with the value it uses:
  /// a default resolved (the covariance ratio is 2e-4 for Clip-Cov and 2e-3 for the KL-Cov rules),
  /// nil where the setting is absent (SIREN without a top-p mask). A setting not listed has no
  /// effect on `kind`; `none`, `opefo` and the token weightings with fixed library defaults read
  /// none.
  ///
  /// - Complexity: O(1).
  public func settings(readBy kind: EntropyIntervention.Kind) -> [(field: Field, value: Double?)] {
    switch kind {
    case .clipCov:
      [(.covarianceRatio, covarianceRatio ?? 2e-4), (.covarianceLowerBound, covarianceLowerBound), (.covarianceUpperBound, covarianceUpperBound)]
    case .klCov: [(.covarianceRatio, covarianceRatio ?? 2e-3), (.klCoefficient, klCoefficient)]
    case .klCovAnnealed: [(.covarianceRatio, covarianceRatio ?? 2e-3), (.klCoefficient, klCoefficient), (.klTimescale, klTimescale)]
    case .steerLinear: [(.steerMinimum, steerMinimum), (.steerMaximum, steerMaximum)]
    case .steerExponential: [(.steerMinimum, steerMinimum)]
    case .entrocraft:
      [(.entrocraftStartLower, entrocraftStart.lower), (.entrocraftStartUpper, entrocraftStart.upper),
       (.entrocraftEndLower, entrocraftEnd.lower), (.entrocraftEndUpper, entrocraftEnd.upper)]
    case .forking, .forkingBottom: [(.forkingRatio, forkingRatio)]
    case .polarity: [(.polarityTarget, polarityTarget), (.polarityGain, polarityGain)]
    case .siren: [(.sirenTopP, sirenTopP)]
    case .none, .opefo, .bapo, .cispo, .covarianceKernel, .d3s, .empg, .epo, .hapo, .lpReg: []
    }
  }
}

extension EntropyIntervention.Parameters {
  /// The parameters with each setting in `settings` replacing its default (a setting not in it
  /// keeps the default documented on its property; a band's two ends are set one by one).
  /// Domains are checked when the intervention is built.
  ///
  /// - Complexity: O(number of settings).
  public init(settings: [Field: Double]) {
    self.init()
    for field in Field.allCases {
      guard let value = settings[field] else { continue }
      switch field {
      case .covarianceRatio: covarianceRatio = value
      case .covarianceLowerBound: covarianceLowerBound = value
      case .covarianceUpperBound: covarianceUpperBound = value
      case .klCoefficient: klCoefficient = value
      case .klTimescale: klTimescale = value
      case .sirenTopP: sirenTopP = value
      case .steerMinimum: steerMinimum = value
      case .steerMaximum: steerMaximum = value
      case .entrocraftStartLower: entrocraftStart.lower = value
      case .entrocraftStartUpper: entrocraftStart.upper = value
      case .entrocraftEndLower: entrocraftEnd.lower = value
      case .entrocraftEndUpper: entrocraftEnd.upper = value
      case .forkingRatio: forkingRatio = value
      case .polarityTarget: polarityTarget = value
      case .polarityGain: polarityGain = value
      }
    }
  }
}
