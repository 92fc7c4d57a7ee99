// DeltaH — entropy change of softmax policies.

import EntropyDynamics

extension StepReport {
  /// The terminal table of `deltah step`: rule, T, Δz, H before/after, ΔH actual, first and second
  /// order, the trust scale s* (and η·s* when a learning rate was given), and for a sampled token
  /// its sampled and correction terms, polarity and quadrant.
  ///
  /// - Complexity: O(K).
  public func terminalTable() -> String {
    var t = TextTable("quantity", "value")
    t.append("rule", rule)
    t.append("temperature T", formatNumber(temperature))
    t.append("logit step Δz", logitStep.map { formatNumber($0, digits: 6) }.joined(separator: ", "))
    t.append("H before (nats)", formatNumber(entropy))
    t.append("H after (nats)", formatNumber(entropyAfter))
    t.append("ΔH actual", formatNumber(deltaActual))
    t.append("ΔH first order  −Cov(log π, Δz/T)", formatNumber(deltaFirstOrder))
    t.append("ΔH second order (+ ½ΔxᵀHΔx)", formatNumber(deltaSecondOrder))
    t.append("trust scale s* (ε = \(formatNumber(trustTolerance)))", (trustScale.isInfinite ? "unbounded" : formatNumber(trustScale)) + (trustScale >= 1 ? " (step inside)" : " (step outside)"))
    if let trustRadiusLR { t.append("trust radius in lr |η|·s*", formatNumber(trustRadiusLR)) }
    if let sampledTerm, let correctionTerm, let polarity, let quadrant {
      t.append("sampled-token term −(α/T)S_k", formatNumber(sampledTerm))
      t.append("correction term +(α/T)E_π[S]", formatNumber(correctionTerm))
      t.append("polarity", formatNumber(polarity) + (polarity > 0 ? " (expands)" : polarity < 0 ? " (contracts)" : ""))
      t.append("quadrant", quadrant)
    }
    return t.rendered()
  }
}
