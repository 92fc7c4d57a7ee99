// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyInterventions
import TabularPolicies

/// The entropy intervention of the sampled rules of `deltah bandit` and `deltah mdp` and its
/// settings (`EntropyIntervention.Parameters`; a flag not given keeps the library default, which
/// its help shows).
struct InterventionOptions: ParsableArguments {
  private static let defaults = EntropyIntervention.Parameters()

  @Option(help: "Intervention for sampled rules (README methods table); kl-cov-annealed uses β_t = β₀/(1 + t/τ) with β₀ = --kl-coef, epo's history is this run's policy entropies before the step.")
  var intervention: EntropyIntervention.Kind = .none

  @Option(parsing: .unconditional, help: "Clip-Cov / KL-Cov selection ratio in (0, 1] (a fraction; defaults 2e-4 / 2e-3).", transform: CheckedArgument.fraction)
  var covRatio: Double?

  @Option(parsing: .unconditional, help: "Clip-Cov ω_low < ω_high (default: \(defaults.covarianceLowerBound)).", transform: CheckedArgument.finite)
  var covLower: Double?

  @Option(parsing: .unconditional, help: "Clip-Cov ω_high (default: \(defaults.covarianceUpperBound)).", transform: CheckedArgument.finite)
  var covUpper: Double?

  @Option(parsing: .unconditional, help: "KL-Cov β ≥ 0 (default: \(defaults.klCoefficient)).", transform: CheckedArgument.nonNegative)
  var klCoef: Double?

  @Option(parsing: .unconditional, help: "kl-cov-annealed: Robbins–Monro timescale τ > 0 of β_t = β₀/(1 + t/τ) (default: \(defaults.klTimescale)).", transform: CheckedArgument.positive)
  var klTimescale: Double?

  @Option(parsing: .unconditional, help: "siren: p of the top-p mask (the bonus is the renormalised entropy of the smallest set holding mass p; default: no top-p mask).", transform: CheckedArgument.fraction)
  var sirenTopP: Double?

  @Option(parsing: .unconditional, help: "STEER w_min: 0 ≤ w_min ≤ w_max (steer-linear), 0 < w_min ≤ 1 (steer-exp) (default: \(defaults.steerMinimum)).", transform: CheckedArgument.finite)
  var steerMin: Double?

  @Option(parsing: .unconditional, help: "STEER w_max of the linear mode (default: \(defaults.steerMaximum)).", transform: CheckedArgument.finite)
  var steerMax: Double?

  @Option(parsing: .unconditional, help: "Entrocraft start bounds L0 ≤ U0 (default: \(defaults.entrocraftStart.lower),\(defaults.entrocraftStart.upper)).", transform: CheckedArgument.band(strict: false))
  var entrocraftStart: CheckedArgument.Band?

  @Option(parsing: .unconditional, help: "Entrocraft end bounds L1 ≤ U1, approached linearly: step t of T uses t/T (default: \(defaults.entrocraftEnd.lower),\(defaults.entrocraftEnd.upper)).", transform: CheckedArgument.band(strict: false))
  var entrocraftEnd: CheckedArgument.Band?

  @Option(parsing: .unconditional, help: "Forking-token ratio ρ in (0, 1] (default: \(defaults.forkingRatio)).", transform: CheckedArgument.fraction)
  var forkingRatio: Double?

  @Option(parsing: .unconditional, help: "Polarity reweighting: entropy target H* > 0 of the proportional controller.", transform: CheckedArgument.positive)
  var polarityTarget: Double?

  @Option(parsing: .unconditional, help: "Polarity reweighting: controller gain g ≥ 0 (w± = clamp(1 ± g(H* − H)/H*, 0, 2); default: \(defaults.polarityGain)).", transform: CheckedArgument.nonNegative)
  var polarityGain: Double?

  /// The settings that only the chosen intervention relates: ω_low < ω_high (clip-cov),
  /// 0 ≤ w_min ≤ w_max (steer-linear), 0 < w_min ≤ 1 (steer-exp).
  func validate() throws {
    let p = EntropyIntervention.Parameters(settings: Dictionary(uniqueKeysWithValues: given.map { ($0.field, $0.value) }))
    let (lo, hi) = (p.steerMinimum, p.steerMaximum)
    switch intervention {
    case .clipCov where p.covarianceLowerBound >= p.covarianceUpperBound:
      throw ValidationError("--cov-lower \(p.covarianceLowerBound) must be below --cov-upper \(p.covarianceUpperBound)")
    case .steerLinear where lo < 0 || lo > hi: throw ValidationError(lo < 0 ? "--steer-min \(lo) must be ≥ 0 (a negative STEER weight reverses a token's update)" : "--steer-min \(lo) must not exceed --steer-max \(hi)")
    case .steerExponential where lo <= 0 || lo > 1: throw ValidationError("--steer-min \(lo) must be in (0, 1] for steer-exp")
    default: break
    }
  }

  /// Each intervention setting given, with its flag and value (a setting not given keeps the
  /// library default; a band gives its two ends).
  var given: [(field: EntropyIntervention.Parameters.Field, flag: String, value: Double)] {
    let table: [(EntropyIntervention.Parameters.Field, String, Double?)] = [
      (.covarianceRatio, "--cov-ratio", covRatio), (.covarianceLowerBound, "--cov-lower", covLower),
      (.covarianceUpperBound, "--cov-upper", covUpper), (.klCoefficient, "--kl-coef", klCoef),
      (.klTimescale, "--kl-timescale", klTimescale), (.sirenTopP, "--siren-top-p", sirenTopP), (.steerMinimum, "--steer-min", steerMin),
      (.steerMaximum, "--steer-max", steerMax), (.entrocraftStartLower, "--entrocraft-start", entrocraftStart?.lower),
      (.entrocraftStartUpper, "--entrocraft-start", entrocraftStart?.upper), (.entrocraftEndLower, "--entrocraft-end", entrocraftEnd?.lower),
      (.entrocraftEndUpper, "--entrocraft-end", entrocraftEnd?.upper), (.forkingRatio, "--forking-ratio", forkingRatio),
      (.polarityTarget, "--polarity-target", polarityTarget), (.polarityGain, "--polarity-gain", polarityGain),
    ]
    return table.compactMap { field, flag, value in value.map { (field, flag, $0) } }
  }
}

extension EntropyIntervention.Kind: ExpressibleByArgument {}
