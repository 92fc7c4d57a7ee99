// DeltaH — entropy change of softmax policies.

import ArgumentParser
import TabularPolicies

/// The update rule of `deltah bandit` and `deltah mdp` and its settings (`UpdateRule.Parameters`).
struct UpdateRuleOptions: ParsableArguments {
  @Option(help: "Update rule: pg, npg, entropy-bonus, natural-entropy-bonus, temperature, natural-temperature (exact); reinforce, grpo, ppo (sampled; ppo = grpo with --epochs default 4).")
  var rule: UpdateRule.Kind = .policyGradient

  @Option(parsing: .unconditional, help: "Entropy-bonus coefficient α (entropy-bonus rules; also added to sampled rules).")
  var entropyCoef: Double?

  @Option(parsing: .unconditional, help: "Weight α of REINFORCE toward π^T (temperature rules; also added to sampled rules when given).")
  var temperatureCoef: Double?

  @Option(parsing: .unconditional, help: "Entropy target of the π^T switch: T_high below it, T_low above.")
  var temperatureTarget: Double = 0.5

  @Option(help: "T_high.")
  var tHigh: Double = 1.2

  @Option(help: "T_low.")
  var tLow: Double = 0.8

  @Option(help: "Sampled rules: samples per state G (default: 8).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumSamplesPerState))
  var samples: Int = 8

  @Option(help: "Sampled rules: gradient steps per batch (PPO epochs; default 1, 4 for ppo).", transform: CheckedArgument.integer(in: 1...TabularProblem.maximumEpochs))
  var epochs: Int?

  @Option(help: "PPO ε_low.")
  var clipLow: Double = 0.2

  @Option(help: "PPO ε_high.")
  var clipHigh: Double = 0.2

  @Option(help: "Dual-clip constant c > 1 (default none; STEER uses 3).")
  var dualClip: Double?

  @Option(parsing: .unconditional, help: "GRPO std epsilon.")
  var grpoEpsilon: Double = 1e-6

  /// The rule's settings from the flags (defaults: `UpdateRule.Parameters`).
  var parameters: UpdateRule.Parameters {
    UpdateRule.Parameters(
      entropyCoefficient: entropyCoef, temperatureCoefficient: temperatureCoef, temperatureTarget: temperatureTarget,
      highTemperature: tHigh, lowTemperature: tLow, samplesPerState: samples, epochs: epochs, clipLow: clipLow,
      clipHigh: clipHigh, dualClip: dualClip, grpoEpsilon: grpoEpsilon)
  }
}

extension UpdateRule.Kind: ExpressibleByArgument {}
