// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import Reports

struct WhatIfCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "whatif",
    abstract: "First-order ΔH of one dump under each entropy intervention (the counterfactual table).",
    discussion: """
      For each intervention with token weights w_t and advantage offsets b_t: ΔH₁ = Σ_valid \
      (w_t·P_t + b_t·g_t), with P_t the polarity of `analyze` and g_t = (η/T)(E_π S − S_y). Rows \
      marked * are DeltaH's interpretation of a rule a paper states only in words (README, methods \
      table). --clip-low/--clip-high/--dual-clip set the ppo-clip row (default ε = 0.2, 0.2). With two dumps (BEFORE AFTER) the actual ΔH between them is added for reference. \
      JSON: {"interventions": [{"name", "delta_first_order", "tokens_touched", "weight_removed", \
      "raising", "lowering", "interpretation", "parameters"}], "actual", "warnings", …}.
      """)

  @Argument(help: "DUMP, or BEFORE AFTER.")
  var dumps: [String]

  @OptionGroup var settings: AnalysisSettings

  @Option(help: "Training step for scheduled rules (default: the dump's 'step', else 0).", transform: CheckedArgument.integer(in: 0...Int.max))
  var step: Int?

  @Option(parsing: .unconditional, help: "Past batch entropies (comma-separated finite numbers) for EPO's running average; without it there is no EPO row.", transform: CheckedArgument.finiteList)
  var entropyHistory: [Double] = []

  @Option(parsing: .unconditional, help: "KL-Cov β ≥ 0 (verl ppo_kl_coef) of the kl-cov row, β₀ of kl-cov-annealed (default: 1, the paper's; verl's config default is 0.1).", transform: CheckedArgument.nonNegative)
  var klCoef: Double?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard dumps.count == 1 || dumps.count == 2 else { throw ValidationError("whatif takes DUMP or BEFORE AFTER") }
    if settings.batch.microBatch != nil {
      throw ValidationError("--micro-batch has no effect on whatif: its rows (kl-cov, clip-cov, …) select over the whole batch (see deltah analyze --micro-batch)")
    }
  }

  func run() throws {
    let whatIf = WhatIfOptions(step: step, entropyHistory: entropyHistory, clipping: settings.clipping.settings, klCoefficient: klCoef)
    let after = dumps.count == 2 ? dumps[1] : nil
    let report = try DumpPipeline.whatIf(dumps[0], after: after, settings: settings.pipeline, whatIf: whatIf) { ProgressBar($0).update }
    try output.print(report, kind: .whatif, warnings: report.warnings.map { "\(dumps[0]): \($0)" }) { TextTable.whatIfText(report, after: after) }
  }
}
