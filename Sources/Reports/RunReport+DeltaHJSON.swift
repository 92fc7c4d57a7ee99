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
  ///     compare          CheckpointComparison.Summary + TrustRadius (+ LinearizedComparison.Summary)
  ///     bandit / mdp     {"steps": [StepRecord], "summary": {…}}
  ///     curvature        CurvatureReport            curvature-dump  DumpCurvatureReport
  ///     cliff            CliffReport                law             EntropyPerformanceLaw
  ///     whatif           WhatIfReport               step            StepReport
  ///     sweep            {"cells": [InterventionSweep.Cell], "provenance": Provenance}
  ///
  /// Infinities may be the strings "inf", "-inf" as DeltaH writes them; a NaN anywhere ("nan")
  /// is refused, naming its path (a report never prints NaN as a figure).
  ///
  /// - Throws: ``ReportError`` naming `source` when the JSON is malformed, has no `"kind"` (an
  ///   older DeltaH or not DeltaH output), or an unknown kind.
  /// - Complexity: O(size of the file).
  public mutating func addDeltaHJSON(_ data: Data, source: String) throws(ReportError) {
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: data)
    } catch {
      throw ReportError("\(source): not a JSON object (expected the output of deltah step/analyze/compare/merge/bandit/mdp/curvature/cliff/law/whatif --json)")
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
    // Types with explicit snake_case CodingKeys decode as written; the others were encoded with
    // `.convertToSnakeCase` and decode with its inverse.
    let plain = JSONDecoder()
    plain.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let snake = JSONDecoder()
    snake.keyDecodingStrategy = .convertFromSnakeCase
    snake.nonConformingFloatDecodingStrategy = plain.nonConformingFloatDecodingStrategy
    do {
      switch kind {
      case .analyze:
        addSummaries([try snake.decode(DumpSummary.self, from: data)])
      case .analyzeSeries:
        let series = try snake.decode(SummaryFile.self, from: data)
        warnings += (series.warnings ?? []).map { "\(source): \($0)" }
        addSummaries(series.steps)
      case .compare:
        let file = try plain.decode(ComparisonFile.self, from: data)
        addComparisonSummary(file.summary)
        if let trust = file.trustRadius { addTrustRadius(trust, before: file.summary.before, after: file.summary.after) }
        if let linear = file.linearized { addLinearizedSummary(linear, comparison: file.summary) }
      case .bandit, .mdp:
        let file = try plain.decode(RunFile.self, from: data)
        let s = file.summary
        let settings: [Provenance.Setting] = [
          .init("environment", s.environment), .init("rule", s.rule.rawValue), .init("intervention", s.intervention.rawValue),
          .init("lr", NumberFormatting.exact(s.learningRate)),
        ]
        addTrainingRun(
          TrainingRun(steps: file.steps, finalEntropy: s.finalEntropy, finalReward: s.finalReward),
          learningRate: s.learningRate, naturalGradient: s.naturalGradient, settings: settings, sources: [source])
      case .step:
        let step = try plain.decode(StepReport.self, from: data)
        let settings: [Provenance.Setting] = [.init("rule", step.rule), .init("temperature", NumberFormatting.exact(step.temperature))]
        addLogitStep(
          rows: [
            ("H before (nats)", step.entropy), ("H after (nats)", step.entropyAfter), ("ΔH actual", step.deltaActual),
            ("ΔH first order −Cov(log π, Δz/T)", step.deltaFirstOrder), ("ΔH second order", step.deltaSecondOrder),
            ("sampled-token term", step.sampledTerm), ("correction term", step.correctionTerm), ("polarity", step.polarity),
          ], settings: settings, sources: [source])
      case .curvature:
        addCurvature(try plain.decode(CurvatureReport.self, from: data), source: source)
      case .curvatureDump:
        // One spectra section per position.
        for report in try plain.decode(DumpCurvatureReport.self, from: data).positions {
          addCurvature(report, source: source)
        }
      case .cliff:
        let cliff = try plain.decode(CliffReport.self, from: data)
        do {
          addPolicyCliff(try PolicyCliffCurve(values: cliff.values, alpha: cliff.alpha, gamma: cliff.gamma), sources: [source])
        } catch {
          throw ReportError("\(source): \(error)")
        }
      case .law:
        addEntropyPerformanceLaw(try plain.decode(EntropyPerformanceLaw.self, from: data), sources: [source])
      case .whatif:
        addWhatIf(try plain.decode(WhatIfReport.self, from: data), sources: [source])
      case .sweep:
        let sweep = try plain.decode(SweepFile.self, from: data)
        var provenance = sweep.provenance
        provenance.sources.append(source)
        append(
          Section(
            heading: "Intervention sweep", tables: [ReportTable.sweep(sweep.cells, provenance: provenance)],
            figures: [false, true].map {
              Figure.sweepCurves(sweep.cells, reward: $0, caption: "Mean over runs per rule and intervention. \(provenance.summaryLine).")
            }))
      }
    } catch let error as ReportError {
      throw error
    } catch {
      throw ReportError("\(source): cannot read DeltaH JSON of kind '\(kind.rawValue)': \(error)")
    }
  }

  /// The spectra section of one ``CurvatureReport`` (settings: temperature, actions, and the
  /// position when it comes from a dump).
  private mutating func addCurvature(_ report: CurvatureReport, source: String) {
    var settings: [Provenance.Setting] = [
      .init("temperature", NumberFormatting.exact(report.temperature)), .init("actions", "\(report.actions)"),
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

  /// `sweep --format json`.
  private struct SweepFile: Decodable {
    let cells: [InterventionSweep.Cell]
    let provenance: Provenance
  }

  /// `analyze DUMP DUMP … --json`.
  private struct SummaryFile: Decodable {
    let steps: [DumpSummary]
    let warnings: [String]?
  }

  /// `compare --json` (and `merge` of compare partials): the three parts share one object.
  private struct ComparisonFile: Decodable {
    let summary: CheckpointComparison.Summary
    let trustRadius: CheckpointComparison.TrustRadius?
    let linearized: LinearizedComparison.Summary?

    init(from decoder: any Decoder) throws {
      summary = try CheckpointComparison.Summary(from: decoder)
      let keys = try decoder.container(keyedBy: PresenceKey.self)
      trustRadius = keys.contains(PresenceKey("outside_trust_radius_share")) ? try CheckpointComparison.TrustRadius(from: decoder) : nil
      linearized = keys.contains(PresenceKey("linearized_tokens")) ? try LinearizedComparison.Summary(from: decoder) : nil
    }
  }

  private struct PresenceKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// `bandit`/`mdp --json`.
  private struct RunFile: Decodable {
    let steps: [StepRecord]
    let summary: RunSummary
  }
}
