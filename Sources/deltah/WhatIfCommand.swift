// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps

struct WhatIfCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "whatif",
    abstract: "First-order ΔH of one dump under each entropy intervention (the counterfactual table).",
    discussion: """
      For each intervention with token weights w_t and advantage offsets b_t: ΔH₁ = Σ_valid \
      (w_t·P_t + b_t·g_t), with P_t the polarity of `analyze` and g_t = (η/T)(E_π S − S_y). Rows \
      marked * are DeltaH's interpretation of a rule a paper states only in words (README, methods \
      table). With two dumps (BEFORE AFTER) the actual ΔH between them is added for reference. \
      JSON: {"interventions": [{"name", "delta_first_order", "tokens_touched", "weight_removed", \
      "raising", "lowering", "interpretation", "parameters"}], "actual", "warnings", …}.
      """)

  @Argument(help: "DUMP, or BEFORE AFTER.")
  var dumps: [String]

  @OptionGroup var settings: AnalysisSettings

  @Option(help: "Training step for scheduled rules (default: the dump's 'step', else 0).")
  var step: Int?

  @Option(parsing: .unconditional, help: "Past batch entropies (comma-separated) for EPO's running average; without it there is no EPO row.")
  var entropyHistory: VectorArgument?

  @Option(help: "PPO clip ε_l for the ppo-clip row.")
  var clipLow: Double = 0.2

  @Option(help: "PPO clip ε_h for the ppo-clip row.")
  var clipHigh: Double = 0.2

  @Option(help: "verl dual clip c (> 1) for the ppo-clip row.")
  var dualClip: Double?

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    guard dumps.count == 1 || dumps.count == 2 else { throw ValidationError("whatif takes DUMP or BEFORE AFTER") }
    if let c = dualClip, !(c.isFinite && c > 1) { throw ValidationError("--dual-clip must be a finite number > 1 (verl's clip_ratio_c)") }
    guard clipLow.isFinite, clipLow >= 0, clipLow <= 1 else { throw ValidationError("--clip-low must be in [0, 1]") }
    guard clipHigh.isFinite, clipHigh >= 0 else { throw ValidationError("--clip-high must be finite and ≥ 0") }
    if let h = entropyHistory, !h.values.allSatisfy(\.isFinite) { throw ValidationError("--entropy-history must be finite numbers") }
    try settings.validate()
  }

  func run() throws {
    let path = dumps[0]
    let dump = try LogitDump(path: path)
    let temperature = settings.temperature ?? dump.temperature
    let table = try PositionTable(dump: dump, temperature: temperature, progress: ProgressBar("analyzing \(path)").update)
    let analysis = try BatchAnalysis(table: table, file: path, step: dump.step, options: settings.options(dumpLearningRate: dump.learningRate))
    var options = WhatIfOptions()
    options.step = step
    options.entropyHistory = entropyHistory?.values ?? []
    options.clipLow = clipLow
    options.clipHigh = clipHigh
    options.dualClip = dualClip
    let comparison = try dumps.count == 2
      ? CheckpointComparison(before: dump, after: LogitDump(path: dumps[1]), temperature: temperature, progress: ProgressBar("comparing").update)
      : nil
    var report = try WhatIfReport(analysis: analysis, file: path, step: dump.step, whatIf: options, comparison: comparison)
    if let t = settings.temperature, t != dump.temperature {
      report.warnings.append("temperature \(t) given on the command line; the dump's metadata says \(dump.temperature)")
    }
    if json {
      try printJSON(report)
    } else {
      var t = TextTable("intervention", "ΔH first order", "tokens touched", "weight removed", "raising", "lowering", "parameters")
      for r in report.interventions {
        t.append(
          r.name + (r.interpretation ? " *" : ""), formatNumber(r.deltaFirstOrder, digits: 6), "\(r.tokensTouched)",
          formatNumber(r.weightRemoved, digits: 6), formatNumber(r.raising, digits: 6), formatNumber(r.lowering, digits: 6), r.parameters)
      }
      print("\(report.file): \(report.tokens) valid tokens, T = \(formatNumber(report.temperature)), η = \(formatNumber(report.learningRate)), ratios from old_logprobs: \(report.usedOldLogprobs ? "yes" : "no (r = 1)")")
      print(t.rendered())
      print("* interpretation: DeltaH's reading of a rule stated only in words (see the README's methods table)")
      if let a = report.actual {
        print("actual ΔH to \(dumps[1]): sum \(formatNumber(a.sum, digits: 6)) over \(a.tokens) positions (mean \(formatNumber(a.mean, digits: 6))); first-order prediction of the real step: \(formatNumber(a.firstOrderSum, digits: 6))")
      }
      for w in report.warnings { print("warning: \(w)") }
    }
    for w in report.warnings { writeStandardError("warning: \(path): \(w)\n") }
  }
}
