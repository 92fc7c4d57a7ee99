// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import FoundationEssentials

extension RunReport {
  /// The tables of `deltah compare --linearized`: the three predictions of the actual ΔH (Lemma 1
  /// on the actual logit change, Lemma 1 on the linearised network's change J·Δθ, the second
  /// order) with mean, Pearson r and RMSE; and the decomposition of the actual mean ΔH into the
  /// linearised first order, the logit nonlinearity and the second-order remainder, with the
  /// jvp file's parameter-space scalars and warnings. A bar figure of the decomposition is added,
  /// and `figure` (e.g. ``Figure/predictionsVsActual(predictions:actual:caption:)``) when given.
  /// The linearised part's warnings join the report's ``warnings`` (each once: a `compare
  /// --linearized --json` file holds them in its comparison's warnings as well).
  ///
  /// - Complexity: O(warnings²) plus the figure.
  public mutating func addLinearizedSummary(_ l: LinearizedComparison.Summary, comparison s: CheckpointComparison.Summary, figure: Figure? = nil) {
    for w in l.warnings where !warnings.contains(w) { warnings.append(w) }
    let prov = provenance(
      [.init("temperature", NumberFormatting.exact(s.temperature) + (s.temperatureSource.map { " (\($0))" } ?? ""))],
      sources: [s.before, s.after, l.linearized], theory: "docs/theory.md#network-linearised")
    let name = { (p: String) in URL(fileURLWithPath: p).lastPathComponent }
    var t = ReportTable(
      title: "Three predictions of the actual entropy change, \(name(s.before)) → \(name(s.after))",
      label: "linearized-predictions",
      columns: [.init("prediction"), .init("mean ΔH", unit: "nats"), .init("Pearson r"), .init("RMSE", unit: "nats"), .init("tokens")],
      provenance: prov)
    t.append([.text("actual"), .number(s.meanDeltaActual), .missing, .missing, .integer(s.tokens)])
    t.append([.text("first order on Δz (Lemma 1)"), .number(s.meanDeltaFirstOrder), .number(s.pearsonFirstOrder), .number(s.rmseFirstOrder), .integer(s.tokens)])
    t.append([.text("linearised network, first order on J·Δθ"), .number(l.meanDeltaLinearizedFirstOrder), .number(l.pearsonLinearizedFirstOrder), .number(l.rmseLinearizedFirstOrder), .integer(l.linearizedTokens)])
    t.append([.text("second order on Δz"), .number(s.meanDeltaSecondOrder), .number(s.pearsonSecondOrder), .number(s.rmseSecondOrder), .integer(s.tokens)])
    var d = ReportTable(
      title: "Decomposition of the actual mean entropy change", label: "linearized-decomposition",
      columns: [.init("part"), .init("mean", unit: "nats"), .init("share of actual")], provenance: prov)
    let actual = l.meanDeltaActualLinearizedTokens
    func share(_ x: Double) -> Double? { actual == 0 ? nil : x / actual }
    d.append([.text("actual ΔH"), .number(actual), .number(share(actual))])
    d.append([.text("linearised-network first order"), .number(l.meanDeltaLinearizedFirstOrder), .number(share(l.meanDeltaLinearizedFirstOrder))])
    d.append([.text("logit nonlinearity"), .number(l.meanLogitNonlinearity), .number(share(l.meanLogitNonlinearity))])
    d.append([.text("second-order remainder"), .number(l.meanSecondOrderRemainder), .number(share(l.meanSecondOrderRemainder))])
    if let p = l.parameterSpaceFirstOrder { d.append([.text("∇θH̄·Δθ (parameter space, jvp metadata)"), .number(p), .number(share(p))]) }
    if let p = l.predictedBeforeStep { d.append([.text("predicted before the step (jvp metadata)"), .number(p), .number(share(p))]) }
    if l.nonFiniteLinearizedRows > 0 { d.append([.text("positions with NaN/Inf in J·Δθ (excluded)"), .integer(l.nonFiniteLinearizedRows), .missing]) }
    for w in l.warnings { d.append([.text("warning: \(w)"), .missing, .missing]) }
    var figures: [Figure] = []
    if let figure { figures.append(figure) }
    figures.append(.entropyChangeDecomposition(
      actual: actual, linearizedFirstOrder: l.meanDeltaLinearizedFirstOrder, logitNonlinearity: l.meanLogitNonlinearity,
      secondOrderRemainder: l.meanSecondOrderRemainder,
      caption: "Token-mean actual ΔH from \(name(s.before)) to \(name(s.after)) and its three parts: Lemma 1 on the linearised network's logit change J·Δθ, the logit nonlinearity (Lemma 1 on the actual Δz minus on J·Δθ) and the second-order remainder (actual minus Lemma 1 on Δz). \(prov.summaryLine)."))
    append(Section(heading: "The network's own first order (deltah compare --linearized)", tables: [t, d], figures: figures))
  }

  /// ``addLinearizedSummary(_:comparison:figure:)`` with the per-position scatter of the three
  /// predictions against the actual ΔH.
  ///
  /// - Complexity: O(positions).
  public mutating func addLinearizedComparison(_ l: LinearizedComparison, comparison c: CheckpointComparison) {
    let idx = l.valid.indices.filter { l.valid[$0] }
    let figure = Figure.predictionsVsActual(
      predictions: [
        ("first order on Δz", idx.map { c.deltaFirstOrder[$0] }),
        ("linearised, on J·Δθ", idx.map { l.deltaLinearizedFirstOrder[$0] }),
        ("second order on Δz", idx.map { c.deltaSecondOrder[$0] }),
      ],
      actual: idx.map { c.deltaActual[$0] },
      caption: "Per valid position: Lemma 1 on the actual logit change, Lemma 1 on the linearised network's change J·Δθ (\(l.summary.linearized)) and the second order, against the actual ΔH from \(c.summary.before) to \(c.summary.after) (T = \(NumberFormatting.exact(c.summary.temperature))); dashed: y = x.")
    addLinearizedSummary(l.summary, comparison: c.summary, figure: figure)
  }
}
