// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyPerformanceLaw

extension Figure {
  /// Performance against entropy with the fitted law R = b − a·e^H drawn from H = 0 to the
  /// largest entropy, the fitted and held-out points in two colours, and the extrapolated ceiling
  /// b − a (R at H = 0) as a horizontal line labelled with its bootstrap interval.
  ///
  /// - Complexity: O(points).
  public static func entropyPerformanceLaw(_ law: EntropyPerformanceLaw, caption: String) -> Figure {
    var plot = Plot(title: "Entropy–performance law", x: .init("H (nats)", includesZero: true), y: .init("performance R"))
    let fitted = law.points.filter(\.fitted), held = law.points.filter { !$0.fitted }
    plot.series.append(.init("fitted steps (\(fitted.count))", kind: .scatter, x: fitted.map(\.entropy), y: fitted.map(\.performance), colour: 0))
    if !held.isEmpty {
      plot.series.append(.init("held-out steps (\(held.count))", kind: .scatter, x: held.map(\.entropy), y: held.map(\.performance), colour: 1))
    }
    let top = max(law.points.map(\.entropy).max() ?? 1, 1e-6)
    let xs = (0...80).map { top * Double($0) / 80 }
    plot.series.append(.init("R = b − a·e^H", kind: .line(dashed: false), x: xs, y: xs.map { law.predictedPerformance(atEntropy: $0) }, colour: 2))
    let level = NumberFormatting.exact(law.options.confidenceLevel * 100)
    plot.references.append(.horizontal(
      law.ceiling,
      label: "ceiling b − a = \(NumberFormatting.significant(law.ceiling, digits: 4)) [\(NumberFormatting.significant(law.ceilingInterval.lower, digits: 4)), \(NumberFormatting.significant(law.ceilingInterval.upper, digits: 4))] (\(level) %)"))
    plot.legendNotes.append("a = \(NumberFormatting.significant(law.a, digits: 4)), b = \(NumberFormatting.significant(law.b, digits: 4))")
    return Figure(label: "entropy-performance-law", caption: caption, plot: plot)
  }
}

extension RunReport {
  /// The law's table (a, b, ceiling with standard errors and bootstrap intervals, fit RMSE, holdout
  /// errors) and its figure, from `deltah law --json`. The law's warnings join the report's
  /// ``warnings`` (prefixed by the first of `sources`, else the law's source) and the caption.
  ///
  /// - Complexity: O(points).
  public mutating func addEntropyPerformanceLaw(_ law: EntropyPerformanceLaw, sources: [String] = []) {
    warnings += law.warnings.map { "\(sources.first ?? law.source): \($0)" }
    var settings: [Provenance.Setting] = [
      .init("entropy_column", law.entropyColumn), .init("performance_column", law.performanceColumn),
      .init("bootstrap_resamples", "\(law.options.bootstrapResamples)"), .init("seed", "\(law.options.seed)"),
      .init("confidence_level", NumberFormatting.exact(law.options.confidenceLevel)),
    ]
    if let f = law.options.fitFraction { settings.append(.init("fit_fraction", NumberFormatting.exact(f))) }
    let prov = provenance(settings, sources: sources + [law.source], theory: "docs/theory.md#entropy-performance-law")
    var t = ReportTable(
      title: "Entropy–performance law R = b − a·e^H", label: "entropy-performance-law",
      columns: [.init("quantity"), .init("value"), .init("standard error"), .init("interval low"), .init("interval high")],
      provenance: prov)
    t.append([.text("a"), .number(law.a), .number(law.aStandardError), .number(law.aInterval.lower), .number(law.aInterval.upper)])
    t.append([.text("b"), .number(law.b), .number(law.bStandardError), .number(law.bInterval.lower), .number(law.bInterval.upper)])
    t.append([.text("ceiling b − a"), .number(law.ceiling), .number(law.ceilingStandardError), .number(law.ceilingInterval.lower), .number(law.ceilingInterval.upper)])
    t.append([.text("fit RMSE (\(law.fitCount) of \(law.count) steps)"), .number(law.fitRMSE), .missing, .missing, .missing])
    if let r = law.holdoutRMSE, let e = law.holdoutMaxError, let c = law.holdoutCount {
      t.append([.text("holdout RMSE (\(c) later steps)"), .number(r), .missing, .missing, .missing])
      t.append([.text("holdout max |error|"), .number(e), .missing, .missing, .missing])
    }
    let note = law.warnings.isEmpty ? "" : " Warnings: " + law.warnings.joined(separator: "; ") + "."
    let figure = Figure.entropyPerformanceLaw(
      law,
      caption: "Performance against entropy for \(law.source); line: the least-squares law R = b − a·e^H\(law.holdoutCount == nil ? "" : " fitted on the first \(law.fitCount) steps"), extrapolated to H = 0; dashed: the ceiling b − a with its bootstrap interval. \(prov.summaryLine).\(note)")
    append(Section(heading: "Entropy–performance law (deltah law)", tables: [t], figures: [figure]))
  }
}

extension RunReport {
  /// The trust-radius table of `deltah compare` (share of positions outside their radius s* < 1,
  /// median s*, first-order Pearson and RMSE inside and outside the radius).
  ///
  /// - Complexity: O(1).
  public mutating func addTrustRadius(_ t: CheckpointComparison.TrustRadius, before: String, after: String) {
    let prov = provenance([.init("trust_tolerance", NumberFormatting.exact(t.tolerance))], sources: [before, after], theory: "docs/theory.md#trust-radius")
    var table = ReportTable(
      title: "Trust radius of the first-order prediction (s* = 2ε|g·Δx|/|ΔxᵀQΔx|)", label: "trust-radius",
      columns: [.init("quantity"), .init("value")], provenance: prov)
    table.append([.text("valid tokens"), .integer(t.tokens)])
    table.append([.text("share outside the radius (s* < 1)"), .number(t.outsideTrustRadiusShare)])
    table.append([.text("median s*"), .number(t.medianTrustScale)])
    table.append([.text("tokens with s* = ∞ (quadratic term 0, e.g. a row that did not change)"), .integer(t.infiniteScaleTokens)])
    table.append([.text("Pearson r, first order, inside the radius"), .number(t.pearsonFirstOrderInsideTrustRadius)])
    table.append([.text("RMSE first order inside (nats)"), .number(t.rmseFirstOrderInside)])
    table.append([.text("RMSE first order outside (nats)"), .number(t.rmseFirstOrderOutside)])
    append(Section(heading: "Trust radius (deltah compare)", tables: [table]))
  }
}
