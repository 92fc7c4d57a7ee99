// DeltaH — entropy change of softmax policies.

import Reports
import ArgumentParser
import PolicyCliff

struct CliffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cliff",
    abstract: "Policy-cliff stability of a reward vector: ties, margin, radii, soft-policy bounds.",
    discussion: """
      Ties: actions within τ of the best (default τ = 1e-9·max|r|). Margin δ: gap to the best \
      non-tied action (inf when all are tied). Greedy stability radius (1 − γ)δ/2, 0 at a tie (the \
      cliff). Soft policy π_α = softmax(r/α): TV Lipschitz bound 1/(2α(1 − γ)), exact Jacobian norm \
      ‖(diag π_α − π_απ_αᵀ)/α‖₂ ≤ 1/(2α), price of smoothing max r − π_αᵀr ≤ α log K.
      """)

  @Option(parsing: .unconditional, help: "Rewards (or one state's Q values) r, comma-separated.")
  var rewards: VectorArgument

  @Option(parsing: .unconditional, help: "Entropy temperature α > 0.")
  var alpha: Double

  @Option(help: "Discount γ ∈ [0, 1) for the radius and the Lipschitz bound.")
  var gamma: Double = 0

  @Option(parsing: .unconditional, help: "Tie tolerance τ ≥ 0 (default 1e-9·max|r|).")
  var tolerance: Double?

  @Flag(help: "Print one JSON object instead of a table.")
  var json = false

  func run() throws {
    let report = try CliffReport(values: rewards.values, alpha: alpha, gamma: gamma, tolerance: tolerance)
    if json {
      try printJSON(report, kind: .cliff)
    } else {
      var t = TextTable("quantity", "value")
      t.append("tied optimal actions", "\(report.ties) (\(report.tiedActions.map(String.init).joined(separator: ", ")))")
      t.append("tolerance τ", formatNumber(report.tolerance))
      t.append("margin δ", formatNumber(report.margin))
      t.append("greedy stability radius", formatNumber(report.stabilityRadius) + (report.ties > 1 ? " (tie: the cliff)" : ""))
      t.append("argmax-set radius (1−γ)δ/2", formatNumber(report.argmaxSetRadius))
      t.append("soft policy π_α", report.softPolicy.map { formatNumber($0, digits: 6) }.joined(separator: ", "))
      t.append("TV Lipschitz bound 1/(2α(1−γ))", formatNumber(report.lipschitzTV))
      t.append("Jacobian norm ‖∂π_α/∂r‖₂", formatNumber(report.jacobianNorm))
      t.append("ℓ2 bound 1/(2α)", formatNumber(report.l2Bound))
      t.append("price of smoothing", formatNumber(report.priceOfSmoothing))
      t.append("bound α log K", formatNumber(report.priceOfSmoothingBound))
      print(t.rendered())
    }
  }
}
