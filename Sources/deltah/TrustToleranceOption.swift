// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyDynamics

/// `--trust-tolerance ε`, shared by `step`, `compare`, `merge`, `bandit` and `mdp`: the ε of the
/// trust scale s* and of the trust radius (default: the library's
/// `EntropyChange.defaultTrustTolerance`).
struct TrustToleranceOption: ParsableArguments {
  @Option(
    name: .customLong("trust-tolerance"), parsing: .unconditional,
    help: "Trust tolerance ε > 0: the first order is trusted while ½|ΔxᵀQΔx| ≤ ε·|first order|, i.e. up to trust_scale s* = 2ε|g·Δx|/|ΔxᵀQΔx| (default: \(EntropyChange.defaultTrustTolerance)).",
    transform: CheckedArgument.positive)
  var given: Double?

  /// ε: the flag's value, else the default.
  var value: Double { given ?? EntropyChange.defaultTrustTolerance }
}
