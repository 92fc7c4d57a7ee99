// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyInterventions
import TabularPolicies

/// The entropy intervention of the sampled rules of `deltah bandit` and `deltah mdp` and its
/// settings (`EntropyIntervention.Parameters`).
struct InterventionOptions: ParsableArguments {
  @Option(help: "Intervention for sampled rules: none, clip-cov, kl-cov, steer-linear, steer-exp, opefo, entrocraft, forking, polarity, or a token weighting with its defaults (README methods table): forking-bottom, cispo, bapo, hapo, lp-reg, siren, empg, d3s, cov-kernel, kl-cov-annealed (β_t = β₀/(1 + t/τ), β₀ = --kl-coef), epo (history: this run's policy entropies before the step).")
  var intervention: EntropyIntervention.Kind = .none

  @Option(help: "Clip-Cov / KL-Cov selection ratio (fraction; defaults 2e-4 / 2e-3).")
  var covRatio: Double?

  @Option(parsing: .unconditional, help: "Clip-Cov ω_low.")
  var covLower: Double = 1

  @Option(parsing: .unconditional, help: "Clip-Cov ω_high.")
  var covUpper: Double = 5

  @Option(help: "KL-Cov β.")
  var klCoef: Double = 1

  @Option(help: "kl-cov-annealed: Robbins–Monro timescale τ > 0 of β_t = β₀/(1 + t/τ) (default: 100).", transform: CheckedArgument.positive)
  var klTimescale: Double = 100

  @Option(help: "siren: p of the top-p mask (the bonus is the renormalised entropy of the smallest set holding mass p; default: no top-p mask).", transform: CheckedArgument.fraction)
  var sirenTopP: Double?

  @Option(help: "STEER w_min.")
  var steerMin: Double = 0.8

  @Option(help: "STEER w_max (linear mode).")
  var steerMax: Double = 1.2

  @Option(parsing: .unconditional, help: "Entrocraft start bounds L0,U0 (default 0.6,0.7).", transform: CheckedArgument.pair)
  var entrocraftStart: CheckedArgument.Pair?

  @Option(parsing: .unconditional, help: "Entrocraft end bounds L1,U1 (default 0.1,0.2), reached at the last step.", transform: CheckedArgument.pair)
  var entrocraftEnd: CheckedArgument.Pair?

  @Option(help: "Forking-token ratio ρ.")
  var forkingRatio: Double = 0.2

  @Option(parsing: .unconditional, help: "Polarity reweighting: entropy target H* > 0 of the proportional controller.", transform: CheckedArgument.positive)
  var polarityTarget: Double?

  @Option(parsing: .unconditional, help: "Polarity reweighting: controller gain g ≥ 0 (w± = clamp(1 ± g(H* − H)/H*, 0, 2); default: 1).", transform: CheckedArgument.nonNegative)
  var polarityGain: Double = 1

  /// The intervention's settings from the flags (defaults: `EntropyIntervention.Parameters`).
  var parameters: EntropyIntervention.Parameters {
    var p = EntropyIntervention.Parameters(
      covarianceRatio: covRatio, covarianceLowerBound: covLower, covarianceUpperBound: covUpper, klCoefficient: klCoef,
      klTimescale: klTimescale, sirenTopP: sirenTopP, steerMinimum: steerMin, steerMaximum: steerMax,
      forkingRatio: forkingRatio, polarityTarget: polarityTarget, polarityGain: polarityGain)
    if let b = entrocraftStart { p.entrocraftStart = (b.lower, b.upper) }
    if let b = entrocraftEnd { p.entrocraftEnd = (b.lower, b.upper) }
    return p
  }
}

extension EntropyIntervention.Kind: ExpressibleByArgument {}
