// DeltaH — entropy change of softmax policies.

import PolicyCliff

extension TextTable {
  /// The terminal table of a ``CliffReport``: the tied optimal actions, τ, the margin δ, the greedy
  /// stability radius (marked "the cliff" at a tie), the argmax-set radius (1 − γ)δ/2, the soft
  /// policy π_α, the TV Lipschitz bound 1/(2α(1 − γ)), the Jacobian norm with its ℓ2 bound 1/(2α),
  /// and the price of smoothing with its bound α log K. Numbers in
  /// ``NumberFormatting/terminal(_:digits:)`` (π_α with 6 significant digits).
  ///
  /// - Complexity: O(K).
  public init(cliff report: CliffReport) {
    let f = NumberFormatting.terminal
    self.init("quantity", "value")
    append("tied optimal actions", "\(report.ties) (\(report.tiedActions.map(String.init).joined(separator: ", ")))")
    append("tolerance τ", f(report.tolerance, 10))
    append("margin δ", f(report.margin, 10))
    append("greedy stability radius", f(report.stabilityRadius, 10) + (report.ties > 1 ? " (tie: the cliff)" : ""))
    append("argmax-set radius (1−γ)δ/2", f(report.argmaxSetRadius, 10))
    append("soft policy π_α", report.softPolicy.map { f($0, 6) }.joined(separator: ", "))
    append("TV Lipschitz bound 1/(2α(1−γ))", f(report.lipschitzTV, 10))
    append("Jacobian norm ‖∂π_α/∂r‖₂", f(report.jacobianNorm, 10))
    append("ℓ2 bound 1/(2α)", f(report.l2Bound, 10))
    append("price of smoothing", f(report.priceOfSmoothing, 10))
    append("bound α log K", f(report.priceOfSmoothingBound, 10))
  }
}
