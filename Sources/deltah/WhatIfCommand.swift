// DeltaH — entropy change of softmax policies.

import Reports
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
      table). --clip-low/--clip-high/--dual-clip set the ppo-clip row (default ε = 0.2, 0.2). With two dumps (BEFORE AFTER) the actual ΔH between them is added for reference. \
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

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    guard dumps.count == 1 || dumps.count == 2 else { throw ValidationError("whatif takes DUMP or BEFORE AFTER") }
    if let h = entropyHistory, !h.values.allSatisfy(\.isFinite) { throw ValidationError("--entropy-history must be finite numbers") }
    try settings.validate()
  }

  func run() throws {
    let path = dumps[0]
    let dump = try LogitDump(path: path)
    let temperature = settings.temperature ?? dump.temperature
    let table = try PositionTable(dump: dump, temperature: temperature, progress: ProgressBar("analyzing \(path)").update)
    // The table's polarity stays unclipped (c = 1); --clip-low/--clip-high/--dual-clip set the ppo-clip row.
    var analysisOptions = settings.options(dumpLearningRate: dump.learningRate)
    analysisOptions.clipping = nil
    let analysis = try BatchAnalysis(dump: dump, table: table, options: analysisOptions)  // with the dump's facts: ignored tensors, impossible values
    var options = WhatIfOptions()
    options.step = step
    options.entropyHistory = entropyHistory?.values ?? []
    if let clip = settings.clipping.settings {
      options.clipLow = clip.low
      options.clipHigh = clip.high
      options.dualClip = clip.dual
    }
    let comparison = try dumps.count == 2
      ? CheckpointComparison(before: dump, after: LogitDump(path: dumps[1]), temperature: temperature, progress: ProgressBar("comparing").update)
      : nil
    var report = try WhatIfReport(analysis: analysis, file: path, step: dump.step, whatIf: options, comparison: comparison)
    if let t = settings.temperature, t != dump.temperature {
      report.warnings.append("temperature \(t) given on the command line; the dump's metadata says \(dump.temperature)")
    }
    if json {
      try printJSON(report, kind: .whatif)
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
