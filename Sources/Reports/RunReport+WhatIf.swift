// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import FoundationEssentials

extension RunReport {
  /// The counterfactual table of `deltah whatif` and its bar chart of ΔH by intervention; the
  /// what-if's warnings join the report's ``warnings`` (prefixed by the dump, as `whatif` prints
  /// them) and are listed in a table of their own.
  ///
  /// - Complexity: O(interventions).
  public mutating func addWhatIf(_ w: WhatIfReport, sources: [String] = []) {
    warnings += w.warnings.map { "\(w.file): \($0)" }
    var settings: [Provenance.Setting] = [
      .init("temperature", NumberFormatting.exact(w.temperature) + (w.temperatureSource.map { " (\($0))" } ?? "")),
      .init("lr", NumberFormatting.exact(w.learningRate) + (w.learningRateSource.map { " (\($0))" } ?? "")),
      .init("ratios", w.usedOldLogprobs ? "from old_logprobs" : "1 (no old_logprobs)"),
    ]
    if let beta = w.klCoefficient { settings.append(.init("kl_coef", NumberFormatting.exact(beta) + (w.klCoefficientSource.map { " (\($0))" } ?? ""))) }
    for r in w.interventions { settings.append(.init(r.name, r.parameters)) }
    let prov = provenance(settings, sources: [w.file] + sources, theory: "docs/theory.md#planned-methods")
    var t = ReportTable(
      title: "First-order entropy change of the batch under each intervention (\(URL(fileURLWithPath: w.file).lastPathComponent), \(w.tokens) tokens)",
      label: "whatif",
      columns: [
        .init("intervention"), .init("ΔH first order", unit: "nats"), .init("tokens touched"), .init("weight removed"),
        .init("raising", unit: "nats"), .init("lowering", unit: "nats"),
      ],
      provenance: prov)
    for r in w.interventions {
      t.append([
        .text(r.name + (r.interpretation ? " (interpretation)" : "")), .number(r.deltaFirstOrder), .integer(r.tokensTouched),
        .number(r.weightRemoved), .number(r.raising), .number(r.lowering),
      ])
    }
    var tables = [t]
    if let a = w.actual {
      var k = ReportTable(title: "Actual entropy change for reference", label: "whatif-actual", columns: [.init("quantity"), .init("value")], provenance: prov)
      k.append([.text("positions"), .integer(a.tokens)])
      k.append([.text("Σ actual ΔH (nats)"), .number(a.sum)])
      k.append([.text("mean actual ΔH (nats)"), .number(a.mean)])
      k.append([.text("Σ first-order prediction of the real step (nats)"), .number(a.firstOrderSum)])
      tables.append(k)
    }
    let figure = Figure.whatIfBars(
      names: w.interventions.map(\.name), deltas: w.interventions.map(\.deltaFirstOrder),
      caption: "First-order ΔH of the batch Σ_t (w_t P_t + b_t g_t) under each intervention (\(w.file), T = \(NumberFormatting.exact(w.temperature)), η = \(NumberFormatting.exact(w.learningRate))); the `none` bar is the plain polarity total.")
    if !w.warnings.isEmpty {
      var k = ReportTable(title: "Warnings", label: "whatif-warnings", columns: [.init("warning")], provenance: prov)
      for warning in w.warnings { k.append([.text(warning)]) }
      tables.append(k)
    }
    append(Section(heading: "What-if: interventions on one batch (deltah whatif)", tables: tables, figures: [figure]))
  }
}

extension Figure {
  /// ΔH by intervention as bars: entropy-raising totals in one colour, lowering in another.
  ///
  /// - Complexity: O(interventions).
  public static func whatIfBars(names: [String], deltas: [Double], caption: String) -> Figure {
    precondition(names.count == deltas.count)
    var plot = Plot(title: "First-order ΔH by intervention", x: .init("intervention"), y: .init("ΔH first order (nats)", includesZero: true))
    // Names break at hyphens onto separate lines; the plot widens with the number of methods.
    plot.categories = names.map { $0.split(separator: "-").joined(separator: "\n") }
    plot.width = max(plot.width, 52 * Double(names.count))
    let xs = names.indices.map(Double.init)
    plot.series.append(.init("raises entropy", kind: .bars, x: xs, y: deltas.map { $0 > 0 ? $0 : .nan }, colour: 2))
    plot.series.append(.init("lowers entropy", kind: .bars, x: xs, y: deltas.map { $0 <= 0 ? $0 : .nan }, colour: 1))
    return Figure(label: "whatif", caption: caption, plot: sharedBars(plot))
  }
}
