// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions

extension UpdateRule {
  /// The update rules by name (the names `deltah bandit|mdp --rule` and `RunSummary.rule` use):
  ///
  ///     exact:    pg, npg, entropy-bonus, natural-entropy-bonus, temperature, natural-temperature
  ///     sampled:  reinforce (exact value baseline, 1 epoch), grpo (1 epoch), ppo (GRPO advantages, 4 epochs)
  public enum Kind: String, Sendable, CaseIterable, Codable {
    case policyGradient = "pg"
    case naturalPolicyGradient = "npg"
    case entropyBonus = "entropy-bonus"
    case naturalEntropyBonus = "natural-entropy-bonus"
    case temperature
    case naturalTemperature = "natural-temperature"
    case reinforce
    case grpo
    case ppo

    /// Whether the rule samples tokens (reinforce, grpo, ppo), so that an intervention can act on them.
    ///
    /// - Complexity: O(1).
    public var isSampled: Bool { self == .reinforce || self == .grpo || self == .ppo }

    /// Whether the rule needs an entropy-bonus coefficient α (entropy-bonus, natural-entropy-bonus).
    ///
    /// - Complexity: O(1).
    public var needsEntropyCoefficient: Bool { self == .entropyBonus || self == .naturalEntropyBonus }
  }

  /// The numbers a rule is configured with; every default is the one shown here.
  public struct Parameters: Sendable, Equatable {
    /// α_H of the entropy-bonus rules (required by them); added to sampled rules as a bonus (nil: 0).
    public var entropyCoefficient: Double?
    /// α of REINFORCE toward π^T: the temperature rules use 1 when nil; sampled rules add the π^T
    /// term only when it is set.
    public var temperatureCoefficient: Double?
    /// H_target of the π^T switch (default 0.5).
    public var temperatureTarget: Double = 0.5
    /// T_high (default 1.2).
    public var highTemperature: Double = 1.2
    /// T_low (default 0.8).
    public var lowTemperature: Double = 0.8
    /// Sampled rules: G, samples per state (default 8).
    public var samplesPerState: Int = 8
    /// Sampled rules: epochs per batch (nil: 4 for ppo, 1 otherwise).
    public var epochs: Int?
    /// PPO ε_low (default 0.2).
    public var clipLow: Double = 0.2
    /// PPO ε_high (default 0.2).
    public var clipHigh: Double = 0.2
    /// Dual-clip constant c (default none; STEER then uses 3).
    public var dualClip: Double?
    /// GRPO std epsilon (default 1e-6).
    public var grpoEpsilon: Double = 1e-6

    /// The parameters, each defaulting as documented on its property.
    public init(
      entropyCoefficient: Double? = nil, temperatureCoefficient: Double? = nil, temperatureTarget: Double = 0.5,
      highTemperature: Double = 1.2, lowTemperature: Double = 0.8, samplesPerState: Int = 8, epochs: Int? = nil,
      clipLow: Double = 0.2, clipHigh: Double = 0.2, dualClip: Double? = nil, grpoEpsilon: Double = 1e-6
    ) {
      self.entropyCoefficient = entropyCoefficient
      self.temperatureCoefficient = temperatureCoefficient
      self.temperatureTarget = temperatureTarget
      self.highTemperature = highTemperature
      self.lowTemperature = lowTemperature
      self.samplesPerState = samplesPerState
      self.epochs = epochs
      self.clipLow = clipLow
      self.clipHigh = clipHigh
      self.dualClip = dualClip
      self.grpoEpsilon = grpoEpsilon
    }
  }

  /// The rule `kind` configured by `parameters`, with `intervention` for the sampled rules.
  ///
  /// - Throws: `TabularPolicyError` when an entropy-bonus rule has no α, the temperature
  ///   parameters are invalid, or an exact rule is given an intervention (it acts on sampled tokens).
  /// - Complexity: O(1).
  public init(
    _ kind: Kind, parameters p: Parameters = Parameters(), intervention: EntropyIntervention = .none
  ) throws(TabularPolicyError) {
    func temperatureReinforcement(natural: Bool) throws(TabularPolicyError) -> TemperatureReinforcement {
      try TemperatureReinforcement(
        coefficient: p.temperatureCoefficient ?? 1, targetEntropy: p.temperatureTarget,
        highTemperature: p.highTemperature, lowTemperature: p.lowTemperature, natural: natural)
    }
    func entropyCoefficient() throws(TabularPolicyError) -> Double {
      guard let alpha = p.entropyCoefficient else {
        throw TabularPolicyError(argument: "entropyCoefficient", problem: "the rule \(kind.rawValue) needs an entropy-bonus coefficient α")
      }
      return alpha
    }
    if case .none = intervention {} else {
      try require(kind.isSampled, "intervention", "acts on sampled tokens; the rule \(kind.rawValue) is exact (use reinforce, grpo or ppo)")
    }
    switch kind {
    case .policyGradient: self = .exact(.policyGradient)
    case .naturalPolicyGradient: self = .exact(.naturalPolicyGradient)
    case .entropyBonus: self = .exact(.entropyBonus(coefficient: try entropyCoefficient(), natural: false))
    case .naturalEntropyBonus: self = .exact(.entropyBonus(coefficient: try entropyCoefficient(), natural: true))
    case .temperature: self = .exact(.temperatureReinforcement(try temperatureReinforcement(natural: false)))
    case .naturalTemperature: self = .exact(.temperatureReinforcement(try temperatureReinforcement(natural: true)))
    case .reinforce, .grpo, .ppo:
      self = .sampled(
        SampledUpdate(
          estimator: kind == .reinforce ? .reinforce : .grpo(epsilon: p.grpoEpsilon), samplesPerState: p.samplesPerState,
          epochs: p.epochs ?? (kind == .ppo ? 4 : 1), clipLow: p.clipLow, clipHigh: p.clipHigh, dualClip: p.dualClip,
          entropyCoefficient: p.entropyCoefficient ?? 0,
          temperatureReinforcement: p.temperatureCoefficient == nil ? nil : try temperatureReinforcement(natural: false),
          intervention: intervention))
    }
  }
}

extension StateStepScaling {
  /// The step scalings by name: `per-state` (Cui et al.) or `visitation` (d(s)/(1−γ) for PG, 1/(1−γ) for NPG).
  public enum Kind: String, Sendable, CaseIterable, Codable {
    case perState = "per-state"
    case visitation

    /// The scaling on an environment with discount γ.
    ///
    /// - Complexity: O(1).
    public func scaling(discount: Double) -> StateStepScaling {
      self == .visitation ? .visitationWeighted(discount: discount) : .perState
    }
  }
}
