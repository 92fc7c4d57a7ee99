// DeltaH — entropy change of softmax policies.

import ArgumentParser
import TabularPolicies

/// The update rule of `deltah bandit` and `deltah mdp` and its settings (`UpdateRule.Parameters`;
/// a flag not given keeps the library default, which its help shows).
struct UpdateRuleOptions: ParsableArguments {
  private static let defaults = UpdateRule.Parameters()

  @Option(help: "Update rule: reinforce, grpo and ppo (grpo with --epochs default 4) sample tokens; the others are exact.")
  var rule: UpdateRule.Kind = .policyGradient

  @Option(parsing: .unconditional, help: "Entropy-bonus coefficient α ≥ 0 (entropy-bonus rules; also added to sampled rules).", transform: CheckedArgument.nonNegative)
  var entropyCoef: Double?

  @Option(parsing: .unconditional, help: "Weight α ≥ 0 of REINFORCE toward π^T (temperature rules, default 1; added to sampled rules when given).", transform: CheckedArgument.nonNegative)
  var temperatureCoef: Double?

  @Option(parsing: .unconditional, help: "Entropy target of the π^T switch: T_high below it, T_low above (default: \(defaults.temperatureTarget)).", transform: CheckedArgument.finite)
  var temperatureTarget: Double?

  @Option(parsing: .unconditional, help: "T_high > 0 (default: \(defaults.highTemperature)).", transform: CheckedArgument.positive)
  var tHigh: Double?

  @Option(parsing: .unconditional, help: "T_low > 0 (default: \(defaults.lowTemperature)).", transform: CheckedArgument.positive)
  var tLow: Double?

  @Option(help: "Sampled rules: samples per state G (≥ 2 for grpo and ppo, which normalise by the group std; default: \(defaults.samplesPerState)).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumSamplesPerState))
  var samples: Int?

  @Option(help: "Sampled rules: gradient steps per batch (PPO epochs; default 1, 4 for ppo).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumEpochs))
  var epochs: Int?

  @Option(parsing: .unconditional, help: "PPO ε_low in [0, 1] (default: \(defaults.clipLow)).", transform: CheckedArgument.unitInterval)
  var clipLow: Double?

  @Option(parsing: .unconditional, help: "PPO ε_high ≥ 0 (default: \(defaults.clipHigh)).", transform: CheckedArgument.nonNegative)
  var clipHigh: Double?

  @Option(parsing: .unconditional, help: "Dual-clip constant c > 1 (default none; STEER uses 3).", transform: CheckedArgument.aboveOne)
  var dualClip: Double?

  @Option(parsing: .unconditional, help: "GRPO std epsilon ≥ 0 (default: \(defaults.grpoEpsilon)).", transform: CheckedArgument.nonNegative)
  var grpoEpsilon: Double?

  /// Each rule setting given, with its flag and value (a setting not given keeps the library default).
  var given: [(field: UpdateRule.Parameters.Field, flag: String, value: Double)] {
    let table: [(UpdateRule.Parameters.Field, String, Double?)] = [
      (.entropyCoefficient, "--entropy-coef", entropyCoef), (.temperatureCoefficient, "--temperature-coef", temperatureCoef),
      (.temperatureTarget, "--temperature-target", temperatureTarget), (.highTemperature, "--t-high", tHigh),
      (.lowTemperature, "--t-low", tLow), (.samplesPerState, "--samples", samples.map(Double.init)),
      (.epochs, "--epochs", epochs.map(Double.init)), (.clipLow, "--clip-low", clipLow), (.clipHigh, "--clip-high", clipHigh),
      (.dualClip, "--dual-clip", dualClip), (.grpoEpsilon, "--grpo-epsilon", grpoEpsilon),
    ]
    return table.compactMap { field, flag, value in value.map { (field, flag, $0) } }
  }
}

extension UpdateRule.Kind: ExpressibleByArgument {}
