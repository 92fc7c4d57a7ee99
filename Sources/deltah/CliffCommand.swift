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

  @Option(parsing: .unconditional, help: "Rewards (or one state's Q values) r, comma-separated.", transform: CheckedArgument.finiteList)
  var rewards: [Double]

  @Option(parsing: .unconditional, help: "Entropy temperature α > 0.", transform: CheckedArgument.positive)
  var alpha: Double

  @Option(help: "Discount γ ∈ [0, 1) for the radius and the Lipschitz bound (default: 0).", transform: CheckedArgument.discount)
  var gamma: Double = 0

  @Option(parsing: .unconditional, help: "Tie tolerance τ ≥ 0 (default 1e-9·max|r|).", transform: CheckedArgument.nonNegative)
  var tolerance: Double?

  @OptionGroup var output: OutputOptions

  func run() throws {
    let report = try CliffReport(values: rewards, alpha: alpha, gamma: gamma, tolerance: tolerance)
    try output.print(report, kind: .cliff) { TextTable(cliff: report).rendered() }
  }
}
