// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import FoundationEssentials
import PolicyCliff
import TabularPolicies

extension RunReport {
  /// The provenance of a table made by this report, with the given settings and sources; the last
  /// setting, `theory`, cites the section of docs/theory.md that derives the table's formulas.
  func provenance(_ settings: [Provenance.Setting], sources: [String], theory: String = "docs/theory.md") -> Provenance {
    Provenance(generator: provenance.generator, command: provenance.command, settings: settings + [.init("theory", theory)], sources: sources)
  }

  /// Settings shared by `analyze` summaries: T and η with their sources, the PPO ratio clipping (ε_l, ε_h, c; "none" for a
  /// summary without it) when any summary was clipped — clipping weights the polarity by
  /// c_t = r_t·1[not clipped], so it changes the polarity columns — and the selection options.
  static func analysisSettings(_ s: [DumpSummary], options: AnalysisOptions?) -> [Provenance.Setting] {
    var p = Provenance(generator: "")
    p.set("temperature", s.map { NumberFormatting.exact($0.temperature) + ($0.temperatureSource.map { " (\($0))" } ?? "") }.uniqued().joined(separator: " / "))
    p.set("lr", s.map { NumberFormatting.exact($0.learningRate) + ($0.learningRateSource.map { " (\($0))" } ?? "") }.uniqued().joined(separator: " / "))
    if s.contains(where: { $0.clipping != nil }) {
      func each(_ value: (DumpSummary.ClippingSummary) -> Double?) -> String {
        s.map { $0.clipping.map { value($0).map(NumberFormatting.exact) ?? "none" } ?? "none" }.uniqued().joined(separator: " / ")
      }
      p.set("clip_low", each { $0.clipLow })
      p.set("clip_high", each { $0.clipHigh })
      if s.contains(where: { $0.clipping?.dualClip != nil }) { p.set("dual_clip", each { $0.dualClip }) }
    }
    if let o = options {
      p.set("kl_cov_ratio", o.klCovRatio)
      p.set("clip_cov_ratio", o.clipCovRatio)
      p.set("clip_cov_bounds", "\(NumberFormatting.exact(o.clipCovBounds.lower)),\(NumberFormatting.exact(o.clipCovBounds.upper))")
      if let m = o.microBatch { p.set("micro_batch", "\(m)") }
      p.set("seed", "\(o.seed)")
    }
    return p.settings
  }

  /// Tables and figures of `deltah analyze` summaries (one dump or a series of steps): the
  /// per-step table, the quadrant table, and — for a series — the entropy trajectory with the
  /// first-order prediction (polarity mean, with the dump's η) and covariance vs entropy change;
  /// the polarity-by-quadrant bars of the first dump.
  ///
  /// - Complexity: O(dumps).
  public mutating func addSummaries(_ summaries: [DumpSummary], options: AnalysisOptions? = nil) {
    guard !summaries.isEmpty else { return }
    let settings = Self.analysisSettings(summaries, options: options)
    let prov = provenance(settings, sources: summaries.map(\.file), theory: "docs/theory.md#polarity")
    for s in summaries { warnings += s.warnings.map { "\(s.file): \($0)" } }
    var section = Section(heading: summaries.count > 1 ? "Entropy across \(summaries.count) steps (deltah analyze)" : "Batch analysis of \(summaries[0].file) (deltah analyze)")
    var t = ReportTable(
      title: "Entropy change per step", label: "entropy-per-step",
      columns: [
        .init("step"), .init("tokens"), .init("H token-mean", unit: "nats"), .init("ΔH to next", unit: "nats"),
        .init("polarity-mean ΔH (η)", unit: "nats"), .init("Cov(log π, A)"),
      ],
      provenance: prov)
    var d = ReportTable(
      title: "Entropy distribution and polarity flows per step", label: "entropy-distribution",
      columns: [
        .init("step"), .init("H seq-mean-token-mean", unit: "nats"), .init("H p50", unit: "nats"), .init("H p80", unit: "nats"),
        .init("share H < 0.01"), .init("Φ+", unit: "nats"), .init("Φ−", unit: "nats"),
      ],
      provenance: prov)
    for (i, s) in summaries.enumerated() {
      var delta: Double?
      if i + 1 < summaries.count, let a = s.entropyTokenMean, let b = summaries[i + 1].entropyTokenMean { delta = b - a }
      t.append([.integer(s.step ?? i), .integer(s.tokens), .number(s.entropyTokenMean), .number(delta), .number(s.polarity?.mean), .number(s.covariance?.global)])
      d.append([
        .integer(s.step ?? i), .number(s.entropySeqMeanTokenMean), .number(s.entropyPercentiles?.values["p50"]),
        .number(s.entropyPercentiles?.threshold80), .number(s.entropyPercentiles?.shareBelow001), .number(s.opefo?.phiPlus), .number(s.opefo?.phiMinus),
      ])
    }
    section.tables += [t, d]
    if summaries.contains(where: { $0.quadrants != nil }) {
      var q = ReportTable(
        title: "Entropy polarity by quadrant (advantage sign × π_k vs e^(−H))", label: "polarity-quadrants",
        columns: [.init("step"), .init("quadrant"), .init("tokens"), .init("Σ polarity", unit: "nats")], provenance: prov)
      for (i, s) in summaries.enumerated() {
        for row in s.quadrants ?? [] { q.append([.integer(s.step ?? i), .text(row.quadrant), .integer(row.tokens), .number(row.polaritySum)]) }
      }
      section.tables.append(q)
    }
    if summaries.count > 1, summaries.allSatisfy({ $0.entropyTokenMean != nil }) {
      let steps = summaries.enumerated().map { Double($0.element.step ?? $0.offset) }
      section.figures.append(.entropyTrajectory(
        steps: steps, entropy: summaries.map { $0.entropyTokenMean! }, predictedChange: summaries.map { $0.polarity?.mean },
        caption: "Token-mean entropy per step (solid) and, dashed from each step, H plus the first-order prediction Σ polarity / tokens (η = lr of each dump). \(prov.summaryLine)."))
      let pairs = summaries.indices.dropLast().compactMap { i -> (Double, Double)? in
        guard let c = summaries[i].covariance?.global, let a = summaries[i].entropyTokenMean, let b = summaries[i + 1].entropyTokenMean else { return nil }
        return (c, b - a)
      }
      if !pairs.isEmpty {
        section.figures.append(.covarianceVsEntropyChange(
          covariance: pairs.map(\.0), entropyChange: pairs.map(\.1), covarianceLabel: "Cov(log π, A) over tokens", learningRate: nil,
          caption: "Per step: the token covariance of log-probability and advantage against the measured change of the token-mean entropy to the next step. \(Self.covarianceLinkSentence(summaries)) \(prov.summaryLine)."))
      }
    }
    if let first = summaries.first, let quadrants = first.quadrants {
      section.figures.append(.polarityByQuadrant(
        quadrants: quadrants.map(\.quadrant), polaritySums: quadrants.map(\.polaritySum),
        caption: "Summed entropy polarity (first-order ΔH contributions) per quadrant of \(first.file) (η = \(NumberFormatting.exact(first.learningRate)), T = \(NumberFormatting.exact(first.temperature)))."))
    }
    append(section)
  }

  /// ``addSummaries(_:options:)`` for full analyses, plus the histogram of the first dump's
  /// per-token entropies with its 80th percentile.
  ///
  /// - Complexity: O(positions of the first dump + dumps).
  public mutating func addAnalyses(_ analyses: [BatchAnalysis]) {
    guard let first = analyses.first else { return }
    addSummaries(analyses.map(\.summary), options: first.options)
    let h = zip(first.table.entropy, first.table.valid).filter { $0.1 && $0.0.isFinite }.map(\.0)
    if !h.isEmpty, let p80 = first.summary.entropyPercentiles?.threshold80 {
      sections[sections.count - 1].figures.insert(.entropyHistogram(
        entropies: h, percentile80: p80,
        caption: "Per-token entropy of the \(h.count) valid positions of \(first.summary.file) (T = \(NumberFormatting.exact(first.summary.temperature))); dashed: the 80th percentile, above which lie the high-entropy 20 % of tokens."), at: 0)
    }
  }

  /// The comparison table of `deltah compare` (Pearson, RMSE and sign agreement of the first-
  /// and second-order predictions, mean changes and KL).
  ///
  /// - Complexity: O(1).
  public mutating func addComparisonSummary(_ s: CheckpointComparison.Summary, figure: Figure? = nil) {
    let prov = provenance(
      [.init("temperature", NumberFormatting.exact(s.temperature) + (s.temperatureSource.map { " (\($0))" } ?? ""))],
      sources: [s.before, s.after], theory: "docs/theory.md#lemma-1")
    warnings += s.warnings ?? []
    if s.nonFiniteRows > 0 {
      warnings.append("\(s.before) → \(s.after): \(s.nonFiniteRows) position(s) have NaN/Inf logits in either dump and were excluded")
    }
    var t = ReportTable(
      title: "Actual vs predicted entropy change, \(URL(fileURLWithPath: s.before).lastPathComponent) → \(URL(fileURLWithPath: s.after).lastPathComponent)",
      label: "prediction-accuracy",
      columns: [.init("prediction"), .init("mean ΔH", unit: "nats"), .init("Pearson r"), .init("RMSE", unit: "nats"), .init("tokens")],
      provenance: prov)
    t.append([.text("actual"), .number(s.meanDeltaActual), .missing, .missing, .integer(s.tokens)])
    t.append([.text("first order −Cov(log π, Δz/T)"), .number(s.meanDeltaFirstOrder), .number(s.pearsonFirstOrder), .number(s.rmseFirstOrder), .integer(s.tokens)])
    t.append([.text("second order"), .number(s.meanDeltaSecondOrder), .number(s.pearsonSecondOrder), .number(s.rmseSecondOrder), .integer(s.tokens)])
    var k = ReportTable(title: "Sign agreement and KL of the step", label: "step-kl", columns: [.init("quantity"), .init("value")], provenance: prov)
    k.append([.text("sign agreement, first order"), .number(s.signAgreement)])
    k.append([.text("mean ½ΔᵀFΔ (nats)"), .number(s.meanLocalKL)])
    k.append([.text("mean exact KL (nats)"), .number(s.meanExactKL)])
    k.append([.text("positions with NaN/Inf logits"), .integer(s.nonFiniteRows)])
    append(Section(heading: "Checkpoint comparison (deltah compare)", tables: [t, k], figures: figure.map { [$0] } ?? []))
  }

  /// ``addComparisonSummary(_:figure:)`` with the per-position scatter of first-order predicted
  /// against actual ΔH.
  ///
  /// - Complexity: O(positions).
  public mutating func addComparison(_ c: CheckpointComparison) {
    let idx = c.valid.indices.filter { c.valid[$0] }
    let s = c.summary
    let figure = Figure.predictedVsActual(
      predicted: idx.map { c.deltaFirstOrder[$0] }, actual: idx.map { c.deltaActual[$0] },
      caption: "Per valid position: the first-order prediction −Cov_π(log π, Δz/T) against the actual entropy change from \(s.before) to \(s.after) (T = \(NumberFormatting.exact(s.temperature))); dashed: y = x.")
    addComparisonSummary(s, figure: figure)
  }

  /// Tables and figures of a tabular training run (`deltah bandit`/`mdp`): the run summary
  /// (prediction accuracy, entropy–performance fit), the step table (at most 21 rows: evenly
  /// spaced and the last), the trajectory with each step's first-order prediction, predicted vs
  /// actual ΔH per step, and covariance vs ΔH with the law ΔH = −η·Cov (exact PG/NPG).
  ///
  /// - Parameters:
  ///   - learningRate: η of the reference line ΔH = −η·Cov (nil: no line).
  ///   - naturalGradient: whether the rule is a natural-gradient one (the covariance column is then
  ///     Cov(log π, A), Thm 2, else Cov(log π, π⊙A), Thm 1).
  ///   - settings: the run's settings shown in the provenance (rule, lr, intervention, environment, …).
  /// - Complexity: O(steps).
  public mutating func addTrainingRun(
    _ run: TrainingRun, learningRate: Double?, naturalGradient: Bool, settings: [Provenance.Setting],
    sources: [String] = []
  ) {
    guard !run.steps.isEmpty else { return }
    let prov = provenance(settings, sources: sources, theory: "docs/theory.md#pg-npg")
    let lr = learningRate
    let natural = naturalGradient
    var section = Section(heading: "Tabular training run (\(settings.first { $0.name == "environment" }?.value ?? "deltah bandit"))")
    let acc = run.predictionAccuracy
    var s = ReportTable(title: "Run summary", label: "run-summary", columns: [.init("quantity"), .init("value")], provenance: prov)
    s.append([.text("steps"), .integer(run.steps.count)])
    s.append([.text("initial H (nats)"), .number(run.steps[0].entropy)])
    s.append([.text("final H (nats)"), .number(run.finalEntropy)])
    s.append([.text("final reward J"), .number(run.finalReward)])
    s.append([.text("Pearson r, first order vs actual ΔH"), .number(acc.pearson.isFinite ? acc.pearson : nil)])
    s.append([.text("max |first order − actual| (nats)"), .number(acc.maxFirstOrderError)])
    s.append([.text("max |second order − actual| (nats)"), .number(acc.maxSecondOrderError)])
    if let fit = run.entropyPerformanceFit {
      s.append([.text("fit J = −a·e^H + b: a"), .number(fit.a)])
      s.append([.text("fit J = −a·e^H + b: b"), .number(fit.b)])
      s.append([.text("fit RMSE"), .number(fit.rootMeanSquareError)])
    }
    section.tables.append(s)
    var t = ReportTable(
      title: "Entropy change per step", label: "run-steps",
      columns: [
        .init("step"), .init("H", unit: "nats"), .init("J"), .init("ΔH actual", unit: "nats"), .init("ΔH first order", unit: "nats"),
        .init("ΔH second order", unit: "nats"), .init(natural ? "Cov(log π, A)" : "Cov(log π, π⊙A)"), .init("Φ+", unit: "nats"), .init("Φ−", unit: "nats"),
      ],
      provenance: prov)
    let stride = max(1, (run.steps.count + 19) / 20)
    var rows = Array(Swift.stride(from: 0, to: run.steps.count, by: stride))
    if rows.last != run.steps.count - 1 { rows.append(run.steps.count - 1) }
    for i in rows {
      let r = run.steps[i]
      t.append([.integer(r.step), .number(r.entropy), .number(r.reward), .number(r.deltaActual), .number(r.deltaFirstOrder),
                .number(r.deltaSecondOrder), .number(natural ? r.covarianceNatural : r.covariancePolicyGradient), .number(r.expandingFlow), .number(r.contractingFlow)])
    }
    section.tables.append(t)
    let steps = run.steps.map { Double($0.step) }
    section.figures.append(.entropyTrajectory(
      steps: steps + [Double(run.steps.last!.step + 1)], entropy: run.steps.map(\.entropy) + [run.finalEntropy],
      predictedChange: run.steps.map { Optional($0.deltaFirstOrder + $0.deltaVisitation) } + [nil],
      caption: "Entropy Σ_s d(s)H_s per step and, dashed, each step's first-order prediction. \(prov.summaryLine)."))
    section.figures.append(.predictedVsActual(
      predicted: run.steps.map(\.deltaFirstOrder), actual: run.steps.map(\.deltaActual),
      caption: "One point per update: first-order prediction −Cov(log π, Δz) against the exact ΔH. \(prov.summaryLine)."))
    section.figures.append(.covarianceVsEntropyChange(
      covariance: run.steps.map { natural ? $0.covarianceNatural : $0.covariancePolicyGradient }, entropyChange: run.steps.map(\.deltaActual),
      covarianceLabel: natural ? "Cov_π(log π, A)" : "Cov_π(log π, π⊙A)", learningRate: lr,
      caption: "Per update: the policy covariance (Cui et al. Thm \(natural ? 2 : 1)) against the exact ΔH; dashed: the first-order law ΔH = −η·Cov, exact for small η under plain \(natural ? "NPG" : "PG"). \(prov.summaryLine)."))
    append(section)
  }

  /// The leading Fisher and entropy-Hessian eigenvalues of one policy (`deltah curvature`).
  ///
  /// - Complexity: O(eigenvalues).
  public mutating func addSpectra(fisher: [Double], entropyHessian: [Double], settings: [Provenance.Setting], sources: [String] = []) {
    let prov = provenance(settings, sources: sources, theory: "docs/theory.md#curvature")
    var t = ReportTable(title: "Leading eigenvalues", label: "spectra", columns: [.init("rank"), .init("λ(F)"), .init("λ(∇²H)")], provenance: prov)
    for i in 0..<max(fisher.count, entropyHessian.count) {
      t.append([.integer(i + 1), .number(i < fisher.count ? fisher[i] : nil), .number(i < entropyHessian.count ? entropyHessian[i] : nil)])
    }
    let figure = Figure.eigenvalueSpectra(
      fisher: fisher, entropyHessian: entropyHessian,
      caption: "Largest eigenvalues of the Fisher matrix F = diag(π) − ππᵀ and largest-magnitude eigenvalues of the entropy Hessian, with respect to the logits z/T; dashed: λ_max(F) ≤ ½. \(prov.summaryLine).")
    append(Section(heading: "Curvature (deltah curvature)", tables: [t], figures: [figure]))
  }

  /// The policy-cliff perturbation curve and its table.
  ///
  /// - Complexity: O(points).
  public mutating func addPolicyCliff(_ curve: PolicyCliffCurve, sources: [String] = []) {
    let prov = provenance([
      .init("values", curve.values.map(NumberFormatting.exact).joined(separator: ",")), .init("alpha", NumberFormatting.exact(curve.alpha)),
      .init("gamma", NumberFormatting.exact(curve.gamma)),
    ], sources: sources, theory: "docs/theory.md#policy-jump")
    var t = ReportTable(
      title: "Total-variation jump of each policy under an ε-perturbation", label: "policy-cliff",
      columns: [.init("ε"), .init("greedy"), .init("uniform argmax"), .init("soft"), .init("bound L·ε")], provenance: prov)
    for i in curve.epsilons.indices where i % 2 == 0 || i == curve.epsilons.count - 1 {
      t.append([.number(curve.epsilons[i]), .number(curve.greedy[i]), .number(curve.uniformArgmax[i]), .number(curve.soft[i]), .number(curve.lipschitzTV * curve.epsilons[i])])
    }
    let figure = Figure.policyCliff(curve, caption: "d_TV between the policies for Q and Q + ε·e_j (j: the tied or runner-up action): greedy and uniform-argmax jump at once at a tie, the soft policy stays under its Lipschitz bound ε/(2α(1−γ)). \(prov.summaryLine).")
    append(Section(heading: "Policy cliff under shrinking perturbations", tables: [t], figures: [figure]))
  }
}

extension Array where Element: Hashable {
  func uniqued() -> [Element] {
    var seen = Set<Element>()
    return filter { seen.insert($0).inserted }
  }
}
