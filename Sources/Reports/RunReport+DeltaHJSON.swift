// DeltaH — entropy change of softmax policies.

import Curvature
import DumpAnalysis
import EntropyDynamics
import EntropyPerformanceLaw
import FoundationEssentials
import PolicyCliff
import TabularPolicies

extension RunReport {
  /// Adds the result in a JSON envelope written by `deltah … --json` (``DeltaHEnvelope``), read by
  /// its `"kind"` (``DeltaHResultKind``) and decoded as the library type that wrote it:
  ///
  ///     analyze          DumpSummary               analyze-series  {"steps": [DumpSummary], "warnings"}
  ///     compare          ComparisonWithTrustRadius
  ///     bandit / mdp     {"steps": [StepRecord], "summary": {…}}
  ///     curvature        CurvatureReport            curvature-dump  DumpCurvatureReport
  ///     cliff            CliffReport                law             EntropyPerformanceLaw
  ///     whatif           WhatIfReport               step            StepReport
  ///     sweep            InterventionSweepReport
  ///
  /// Infinities may be the strings "inf", "-inf" as DeltaH writes them; a NaN anywhere ("nan")
  /// is refused, naming its path (a report never prints NaN as a figure).
  ///
  /// - Throws: ``ReportError`` naming `source` when the JSON is malformed, has no `"kind"` (an
  ///   older DeltaH or not DeltaH output), or an unknown kind.
  /// - Complexity: O(size of the file).
  public mutating func addDeltaHJSON(_ data: Data, source: String) throws(ReportError) {
    let kind = try Self.kind(of: data, source: source)
    // Every result type spells its snake_case keys in explicit CodingKeys: decoded as written.
    let plain = JSONDecoder()
    plain.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do {
      switch kind {
      case .analyze: try addAnalyzeJSON(data, source: source, plain: plain)
      case .analyzeSeries: try addAnalyzeSeriesJSON(data, source: source, plain: plain)
      case .compare: try addCompareJSON(data, source: source, plain: plain)
      case .bandit, .mdp: try addTrainingRunJSON(data, source: source, plain: plain)
      case .step: try addStepJSON(data, source: source, plain: plain)
      case .curvature: try addCurvatureJSON(data, source: source, plain: plain)
      case .curvatureDump: try addCurvatureDumpJSON(data, source: source, plain: plain)
      case .cliff: try addCliffJSON(data, source: source, plain: plain)
      case .law: try addLawJSON(data, source: source, plain: plain)
      case .whatif: try addWhatIfJSON(data, source: source, plain: plain)
      case .sweep: try addSweepJSON(data, source: source, plain: plain)
      }
    } catch let error as ReportError {
      throw error
    } catch {
      throw ReportError("\(source): cannot read DeltaH JSON of kind '\(kind.rawValue)': \(decodingProblem(error))", underlying: .decoding(error))
    }
  }

  /// The kind of a DeltaH JSON envelope, checked: a JSON object with a known `"kind"` and no NaN.
  ///
  /// - Throws: ``ReportError`` naming `source`: not a JSON object (the decoding error nested), no
  ///   `"kind"`, an unknown kind, a NaN (named by its path).
  /// - Complexity: O(size of the file).
  private static func kind(of data: Data, source: String) throws(ReportError) -> DeltaHResultKind {
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: data)
    } catch {
      throw ReportError(
        "\(source): not a JSON object (expected the output of deltah step/analyze/compare/merge/bandit/mdp/curvature/cliff/law/whatif --json)",
        underlying: .decoding(error))
    }
    guard let rawKind = header.kind else {
      throw ReportError("\(source): no 'kind': written by an older DeltaH or not DeltaH output; rerun the command")
    }
    guard let kind = DeltaHResultKind(rawValue: rawKind) else {
      throw ReportError("\(source): unknown kind '\(rawKind)' (written by DeltaH \(header.deltahVersion ?? "?"); this is \(DeltaHVersion.string))")
    }
    if let value = try? JSONDecoder().decode(JSONValue.self, from: data), let path = value.firstNaNPath() {
      throw ReportError("\(source): \(path) is NaN; DeltaH never writes NaN as a result (a damaged or hand-edited file?); recompute it")
    }
    return kind
  }

  /// `analyze DUMP --json` (and `merge` of analyze partials): one ``DumpSummary``.
  private mutating func addAnalyzeJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    addSummaries([try plain.decode(DumpSummary.self, from: data)])
  }

  /// `analyze DUMP DUMP … --json`: the summaries of a series and its warnings.
  private mutating func addAnalyzeSeriesJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    let series = try plain.decode(SummaryFile.self, from: data)
    warnings += (series.warnings ?? []).map { "\(source): \($0)" }
    addSummaries(series.steps)
  }

  /// `compare --json` (and `merge` of compare partials): the comparison, its trust radius and
  /// the linearised prediction when present.
  private mutating func addCompareJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    let file = try plain.decode(ComparisonWithTrustRadius.self, from: data)
    addComparisonSummary(file.summary)
    addTrustRadius(file.trustRadius, before: file.summary.before, after: file.summary.after)
    if let linear = file.linearized { addLinearizedSummary(linear, comparison: file.summary) }
  }

  /// `bandit`/`mdp --json`: a tabular training run.
  private mutating func addTrainingRunJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    let file = try plain.decode(RunFile.self, from: data)
    let s = file.summary
    var settings: [Provenance.Setting] = [
      .init("environment", s.environment), .init("rule", s.rule.rawValue), .init("intervention", s.intervention.rawValue),
      .init("lr", NumberFormatting.exact(s.learningRate)),
    ]
    if let recorded = s.settings { settings.append(.init("settings", TextTable.describe(recorded))) }
    warnings += (s.warnings ?? []).map { "\(source): \($0)" }
    addTrainingRun(
      TrainingRun(steps: file.steps, finalEntropy: s.finalEntropy, finalReward: s.finalReward),
      learningRate: s.learningRate, naturalGradient: s.naturalGradient, settings: settings, sources: [source])
  }

  /// `step --json`: one logit step.
  private mutating func addStepJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    let step = try plain.decode(StepReport.self, from: data)
    // The step Δz itself and the trust tolerance: the numbers are those of this step only.
    var settings: [Provenance.Setting] = [
      .init("rule", step.rule), .init("temperature", NumberFormatting.exact(step.temperature)),
      .init("logit_step", step.logitStep.map(NumberFormatting.exact).joined(separator: ",")),
      .init("trust_tolerance", NumberFormatting.exact(step.trustTolerance)),
    ]
    if let q = step.quadrant { settings.append(.init("quadrant", q)) }
    addLogitStep(
      rows: [
        ("H before (nats)", step.entropy), ("H after (nats)", step.entropyAfter), ("ΔH actual", step.deltaActual),
        ("ΔH first order −Cov(log π, Δz/T)", step.deltaFirstOrder), ("ΔH second order", step.deltaSecondOrder),
        ("sampled-token term", step.sampledTerm), ("correction term", step.correctionTerm), ("polarity", step.polarity),
        ("trust scale s* of the step", step.trustScale), ("trust radius |η|·s*", step.trustRadiusLR),
      ], settings: settings, sources: [source])
  }

  /// `curvature --logits … --json`: one ``CurvatureReport``.
  private mutating func addCurvatureJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    addCurvature(try plain.decode(CurvatureReport.self, from: data), source: source)
  }

  /// `curvature DUMP --positions … --json`: one spectra section per position.
  private mutating func addCurvatureDumpJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    // One spectra section per position; the dump's warnings once.
    let file = try plain.decode(DumpCurvatureReport.self, from: data)
    warnings += (file.warnings ?? []).map { "\(file.file): \($0)" }
    for report in file.positions {
      addCurvature(report, source: source, temperatureSource: file.temperatureSource)
    }
  }

  /// `cliff --json`: the policy-cliff curve recomputed from the report's values, α and γ. A
  /// one-action report (valid `cliff` output) has no curve, since nothing can jump: its own
  /// quantities are tabulated instead, with a warning saying so.
  private mutating func addCliffJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    let cliff = try plain.decode(CliffReport.self, from: data)
    guard cliff.values.count >= 2 else {
      warnings.append("\(source): one action, so no policy-cliff perturbation curve (no other action can become optimal)")
      let prov = provenance([
        .init("values", cliff.values.map(NumberFormatting.exact).joined(separator: ",")),
        .init("alpha", NumberFormatting.exact(cliff.alpha)), .init("gamma", NumberFormatting.exact(cliff.gamma)),
      ], sources: [source], theory: "docs/theory.md#ties-margins")
      var t = ReportTable(
        title: "Policy-cliff quantities of a one-action reward vector", label: "policy-cliff",
        columns: [.init("quantity"), .init("value", significantDigits: 10)], provenance: prov)
      t.append([.text("ties"), .integer(cliff.ties)])
      let rows: [(String, Double)] = [
        ("margin", cliff.margin), ("greedy stability radius", cliff.stabilityRadius),
        ("TV Lipschitz bound", cliff.lipschitzTV), ("Jacobian norm", cliff.jacobianNorm),
        ("price of smoothing", cliff.priceOfSmoothing), ("its bound α log K", cliff.priceOfSmoothingBound),
      ]
      for (name, value) in rows { t.append([.text(name), .number(value)]) }
      append(Section(heading: "Policy cliff", tables: [t]))
      return
    }
    do throws(PolicyCliffError) {
      addPolicyCliff(try PolicyCliffCurve(values: cliff.values, alpha: cliff.alpha, gamma: cliff.gamma), sources: [source])
    } catch {
      throw ReportError("\(source): \(error)", underlying: .policyCliff(error))
    }
  }

  /// `law --json`: an ``EntropyPerformanceLaw`` fit.
  private mutating func addLawJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    addEntropyPerformanceLaw(try plain.decode(EntropyPerformanceLaw.self, from: data), sources: [source])
  }

  /// `whatif --json`: a ``WhatIfReport``.
  private mutating func addWhatIfJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    addWhatIf(try plain.decode(WhatIfReport.self, from: data), sources: [source])
  }

  /// `sweep --format json`: the sweep table and its curves.
  private mutating func addSweepJSON(_ data: Data, source: String, plain: JSONDecoder) throws {
    var sweep = try plain.decode(InterventionSweepReport.self, from: data)
    sweep.provenance.sources.append(source)
    append(
      Section(
        heading: "Intervention sweep", tables: [sweep.table],
        figures: sweep.curves(caption: "Mean over runs per rule and intervention. \(sweep.provenance.summaryLine).")))
  }

  /// The spectra section of one ``CurvatureReport`` (settings: temperature, actions, and the
  /// position when it comes from a dump).
  private mutating func addCurvature(_ report: CurvatureReport, source: String, temperatureSource: String? = nil) {
    var settings: [Provenance.Setting] = [
      .init("temperature", NumberFormatting.exact(report.temperature) + (temperatureSource.map { " (\($0))" } ?? "")),
      .init("actions", "\(report.actions)"), .init("method", report.method),
    ]
    if let position = report.position { settings.append(.init("position", "\(position)")) }
    addSpectra(
      fisher: report.fisherEigenvalues, entropyHessian: report.entropyHessianEigenvalues, settings: settings,
      sources: [source])
  }

  /// The envelope keys of any DeltaH JSON.
  private struct Header: Decodable {
    let kind: String?
    let deltahVersion: String?
    enum CodingKeys: String, CodingKey {
      case kind
      case deltahVersion = "deltah_version"
    }
  }

  /// `analyze DUMP DUMP … --json`.
  private struct SummaryFile: Decodable {
    let steps: [DumpSummary]
    let warnings: [String]?
  }

  /// `bandit`/`mdp --json`.
  private struct RunFile: Decodable {
    let steps: [StepRecord]
    let summary: RunSummary
  }
}
