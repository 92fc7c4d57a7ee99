// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Actual vs predicted entropy change between two checkpoints' logits at the same positions.",
    discussion: """
      Per position: actual ΔH = H(after) − H(before), first order −Cov_π(log π, Δz/T), second order \
      adding ½ (Δz/T)ᵀ∇²H(Δz/T). Summary keys: tokens, pearson_first_order, pearson_second_order, \
      rmse_first_order, rmse_second_order, sign_agreement.
      """)

  @Argument(help: "The dump at the earlier checkpoint.")
  var before: String

  @Argument(help: "The dump at the later checkpoint (same positions and vocabulary).")
  var after: String

  @Option(help: "Temperature T (default: the before dump's metadata, else 1).")
  var temperature: Double?

  @Option(help: "Write delta_actual, delta_first_order, delta_second_order, local_kl, exact_kl to this .safetensors file.")
  var perToken: String?

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken], inputs: [before, after])
    let a = try LogitDump(path: before)
    let b = try LogitDump(path: after)
    let t = temperature ?? a.temperature
    let comparison = try CheckpointComparison(before: a, after: b, temperature: t, progress: ProgressBar("comparing").update)
    if let perToken { try comparison.perTokenWriter().write(to: perToken) }
    let s = comparison.summary
    if json {
      try printJSON(s)
      return
    }
    var table = TextTable("quantity", "value")
    table.append("before / after", "\(s.before) / \(s.after)")
    table.append("temperature T", formatNumber(s.temperature))
    table.append("valid tokens", "\(s.tokens)")
    table.append("mean ΔH actual", formatNumber(s.meanDeltaActual))
    table.append("mean ΔH first order", formatNumber(s.meanDeltaFirstOrder))
    table.append("mean ΔH second order", formatNumber(s.meanDeltaSecondOrder))
    table.append("Pearson first / second order", "\(s.pearsonFirstOrder.map { formatNumber($0, digits: 6) } ?? "-") / \(s.pearsonSecondOrder.map { formatNumber($0, digits: 6) } ?? "-")")
    table.append("RMSE first / second order", "\(formatNumber(s.rmseFirstOrder, digits: 4)) / \(formatNumber(s.rmseSecondOrder, digits: 4))")
    table.append("sign agreement (first order)", formatNumber(s.signAgreement, digits: 4))
    table.append("mean ½ΔᵀFΔ / exact KL", "\(formatNumber(s.meanLocalKL, digits: 4)) / \(formatNumber(s.meanExactKL, digits: 4))")
    print(table.rendered())
  }
}
