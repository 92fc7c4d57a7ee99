// DeltaH — entropy change of softmax policies.

import TabularPolicies

extension TrainingRun {
  /// The run as CSV (`deltah bandit|mdp --csv`): each of `warnings` as a `# warning: …` comment
  /// line (pandas `comment="#"`, as the report tables), a header, then one row per step with
  ///
  ///     step, entropy, reward, delta_actual, delta_first_order, delta_second_order, delta_visitation,
  ///     cov_pg, cov_npg, phi_plus, phi_minus, samples, ppo_clipped, intervention_touched,
  ///     trust_scale, trust_tolerance
  ///
  /// numbers at 17 significant digits (`%.17g`, so they read back exactly), rows joined by "\n"
  /// without a final newline. `trust_scale` is the step's s* at ε = `trustTolerance`
  /// (``StepRecord/trustScale(tolerance:)``; "inf" when the quadratic term is 0), as in the JSON.
  ///
  /// - Precondition: `trustTolerance` is finite and > 0.
  /// - Complexity: O(steps).
  public func csv(trustTolerance: Double, warnings: [String] = []) -> String {
    var lines = warnings.map { "# warning: " + $0.replacingScalars("\r", with: " ").replacingScalars("\n", with: " ") }
    lines.append("step,entropy,reward,delta_actual,delta_first_order,delta_second_order,delta_visitation,cov_pg,cov_npg,phi_plus,phi_minus,samples,ppo_clipped,intervention_touched,trust_scale,trust_tolerance")
    let tolerance = NumberFormatting.terminal(trustTolerance, digits: 17)
    for r in steps {
      let numbers = [r.entropy, r.reward, r.deltaActual, r.deltaFirstOrder, r.deltaSecondOrder, r.deltaVisitation,
                     r.covariancePolicyGradient, r.covarianceNatural, r.expandingFlow, r.contractingFlow]
      let trust = NumberFormatting.terminal(r.trustScale(tolerance: trustTolerance), digits: 17)
      lines.append(
        (["\(r.step)"] + numbers.map { NumberFormatting.terminal($0, digits: 17) }
          + ["\(r.samples)", "\(r.ppoClipped)", "\(r.interventionTouched)", trust, tolerance])
          .joined(separator: ","))
    }
    return lines.joined(separator: "\n")
  }
}
