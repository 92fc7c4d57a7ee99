// DeltaH — entropy change of softmax policies.

extension EntropyIntervention {
  /// The interventions by name (the names of `deltah bandit|mdp --intervention`, `deltah sweep
  /// --interventions` and the README methods table). The first nine are the trainer's own
  /// interventions; the others are `TokenWeighting` rules with their library defaults.
  public enum Kind: String, Sendable, CaseIterable, Codable {
    case none
    case clipCov = "clip-cov"
    case klCov = "kl-cov"
    case steerLinear = "steer-linear"
    case steerExponential = "steer-exp"
    case opefo
    case entrocraft
    case forking
    case polarity
    case bapo
    case cispo
    case covarianceKernel = "cov-kernel"
    case d3s
    case empg
    case epo
    case forkingBottom = "forking-bottom"
    case hapo
    case klCovAnnealed = "kl-cov-annealed"
    case lpReg = "lp-reg"
    case siren

    /// Whether the intervention needs a setting that has no default (polarity: the target H*),
    /// so it cannot run with ``Parameters/init()`` alone (for example in a sweep).
    ///
    /// - Complexity: O(1).
    public var needsTarget: Bool { self == .polarity }
  }

  /// The settings of the named interventions; every default is the one shown here.
  public struct Parameters: Sendable {
    /// Clip-Cov / KL-Cov / annealed KL-Cov selection ratio (nil: 2e-4 for Clip-Cov, 2e-3 for the KL-Cov rules).
    public var covarianceRatio: Double?
    /// Clip-Cov ω_low (default 1).
    public var covarianceLowerBound: Double = 1
    /// Clip-Cov ω_high (default 5).
    public var covarianceUpperBound: Double = 5
    /// KL-Cov β, and β₀ of the annealed rule (default 1).
    public var klCoefficient: Double = 1
    /// Robbins–Monro timescale τ of the annealed KL-Cov β_t = β₀/(1 + t/τ) (default 100).
    public var klTimescale: Double = 100
    /// SIREN's top-p mass p (default nil: no top-p mask).
    public var sirenTopP: Double?
    /// STEER w_min (default 0.8).
    public var steerMinimum: Double = 0.8
    /// STEER w_max of the linear mode (default 1.2).
    public var steerMaximum: Double = 1.2
    /// Entrocraft start bounds (L0, U0) (default (0.6, 0.7)).
    public var entrocraftStart: (lower: Double, upper: Double) = (0.6, 0.7)
    /// Entrocraft end bounds (L1, U1), approached linearly: step t (0-based) of a T-step run uses t/T,
    /// so the last step is at (T − 1)/T (default (0.1, 0.2)).
    public var entrocraftEnd: (lower: Double, upper: Double) = (0.1, 0.2)
    /// Forking-token ratio ρ of `forking` and `forking-bottom` (default 0.2).
    public var forkingRatio: Double = 0.2
    /// Polarity controller target H* (no default: required by `polarity`).
    public var polarityTarget: Double?
    /// Polarity controller gain g (default 1).
    public var polarityGain: Double = 1

    /// The parameters, each defaulting as documented on its property.
    public init(
      covarianceRatio: Double? = nil, covarianceLowerBound: Double = 1, covarianceUpperBound: Double = 5,
      klCoefficient: Double = 1, klTimescale: Double = 100, sirenTopP: Double? = nil, steerMinimum: Double = 0.8,
      steerMaximum: Double = 1.2, entrocraftStart: (lower: Double, upper: Double) = (0.6, 0.7),
      entrocraftEnd: (lower: Double, upper: Double) = (0.1, 0.2), forkingRatio: Double = 0.2,
      polarityTarget: Double? = nil, polarityGain: Double = 1
    ) {
      self.covarianceRatio = covarianceRatio
      self.covarianceLowerBound = covarianceLowerBound
      self.covarianceUpperBound = covarianceUpperBound
      self.klCoefficient = klCoefficient
      self.klTimescale = klTimescale
      self.sirenTopP = sirenTopP
      self.steerMinimum = steerMinimum
      self.steerMaximum = steerMaximum
      self.entrocraftStart = entrocraftStart
      self.entrocraftEnd = entrocraftEnd
      self.forkingRatio = forkingRatio
      self.polarityTarget = polarityTarget
      self.polarityGain = polarityGain
    }
  }

  /// The intervention `kind` configured by `parameters` for a run of `totalSteps` steps
  /// (Entrocraft anneals its bounds over them).
  ///
  /// - Throws: `InterventionError` for Entrocraft bounds that are not finite lower ≤ upper, a
  ///   non-positive `totalSteps` with Entrocraft, or a polarity target that is missing, not
  ///   finite and > 0, or a gain that is not finite and ≥ 0.
  /// - Complexity: O(1).
  public init(_ kind: Kind, parameters p: Parameters = Parameters(), totalSteps: Int) throws(InterventionError) {
    switch kind {
    case .none: self = .none
    case .clipCov:
      self = .clipCov(ratio: p.covarianceRatio ?? 2e-4, lowerBound: p.covarianceLowerBound, upperBound: p.covarianceUpperBound)
    case .klCov: self = .klCov(ratio: p.covarianceRatio ?? 2e-3, coefficient: p.klCoefficient)
    case .steerLinear: self = .steer(.linear(minimum: p.steerMinimum, maximum: p.steerMaximum))
    case .steerExponential: self = .steer(.exponential(minimum: p.steerMinimum))
    case .opefo: self = .flowBalance
    case .entrocraft:
      self = .entrocraft(try EntrocraftController(startBounds: p.entrocraftStart, endBounds: p.entrocraftEnd, totalSteps: totalSteps))
    case .forking: self = .forkingTokens(ratio: p.forkingRatio)
    case .polarity:
      guard let target = p.polarityTarget, target.isFinite, target > 0 else {
        throw InterventionError(argument: "polarityTarget", problem: "the polarity controller needs a finite target H* > 0")
      }
      guard p.polarityGain.isFinite, p.polarityGain >= 0 else {
        throw InterventionError(argument: "polarityGain", problem: "must be finite and ≥ 0, got \(p.polarityGain)")
      }
      self = .polarityReweighting(PolarityBranchWeights.proportionalController(target: target, gain: p.polarityGain))
    case .bapo: self = .tokenWeighting(BAPOClipping())
    case .cispo: self = .tokenWeighting(CISPOWeighting())
    case .covarianceKernel: self = .tokenWeighting(CovarianceKernelWeighting())
    case .d3s: self = .tokenWeighting(D3SDownSampling())
    case .empg: self = .tokenWeighting(EMPGModulation())
    case .epo: self = .tokenWeighting(EPOEntropySmoothing(history: []))
    case .forkingBottom:
      self = .tokenWeighting(ForkingTokenWeighting(ratio: p.forkingRatio, arm: .bottom, normalisesOverKept: true))
    case .hapo: self = .tokenWeighting(HAPOAdaptiveClipping())
    case .klCovAnnealed:
      self = .tokenWeighting(
        KLCovAnnealing(
          initialCoefficient: p.klCoefficient, schedule: .robbinsMonro(timescale: p.klTimescale),
          ratio: p.covarianceRatio ?? 2e-3))
    case .lpReg: self = .tokenWeighting(LpRegProtection())
    case .siren: self = .tokenWeighting(SIRENEntropyBonus(topP: p.sirenTopP))
    }
  }
}
