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

  /// The settings that rule `kind` reads, in ``Field`` order, each with the value it uses (as
  /// ``UpdateRule/init(_:parameters:intervention:)`` resolves them):
  ///
  /// * pg, npg: none;
  /// * entropy-bonus rules: α (required);
  /// * temperature rules: α (1 when not set), H_target, T_high, T_low;
  /// * reinforce, grpo, ppo: G, epochs (4 for ppo, 1 otherwise, when not set), ε_low, ε_high, the
  ///   dual clip c (nil: none), the entropy bonus α (0 when not set), and H_target, T_high, T_low
  ///   only when the π^T weight α is set; grpo and ppo also the std epsilon.
  ///
  /// A setting not listed has no effect on `kind`.
  ///
  /// - Complexity: O(1).
  public func settings(readBy kind: UpdateRule.Kind) -> [(field: Field, value: Double?)] {
    let temperature: [(field: Field, value: Double?)] =
      [(.temperatureTarget, temperatureTarget), (.highTemperature, highTemperature), (.lowTemperature, lowTemperature)]
    switch kind {
    case .policyGradient, .naturalPolicyGradient: return []
    case .entropyBonus, .naturalEntropyBonus: return [(.entropyCoefficient, entropyCoefficient)]
    case .temperature, .naturalTemperature: return [(.temperatureCoefficient, temperatureCoefficient ?? 1)] + temperature
    case .reinforce, .grpo, .ppo:
      var read: [(field: Field, value: Double?)] = [(.entropyCoefficient, entropyCoefficient ?? 0)]
      if let alpha = temperatureCoefficient { read += [(.temperatureCoefficient, alpha)] + temperature }
      read += [
        (.samplesPerState, Double(samplesPerState)), (.epochs, Double(epochs ?? (kind == .ppo ? 4 : 1))), (.clipLow, clipLow),
        (.clipHigh, clipHigh), (.dualClip, dualClip),
      ]
      if kind != .reinforce { read.append((.grpoEpsilon, grpoEpsilon)) }
      return read
    }
  }
}
