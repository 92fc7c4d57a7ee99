// DeltaH — entropy change of softmax policies.

import Curvature
import DumpAnalysis
import EntropyPerformanceLaw
import FoundationEssentials
import PolicyCliff
import TabularPolicies

extension RunReport {
  /// Adds the results in a JSON file written by `deltah … --json`, recognised by its keys:
  ///
  ///     analyze (one dump)       an object with "entropy_source"
  ///     analyze (several dumps)  {"steps": [summaries]}
  ///     compare                  an object with "pearson_first_order" or "rmse_first_order"
  ///     bandit / mdp             {"steps": [step records], "summary": {...}}
  ///     curvature                an object with "fisher_eigenvalues" (decoded as CurvatureReport)
  ///     curvature DUMP           {"file", "positions": [curvature objects]} (DumpCurvatureReport)
  ///     cliff                    an object with "soft_policy" and "values" (decoded as CliffReport)
  ///     whatif                   an object with "interventions"
  ///     law                      an object with "ceiling_interval"
  ///     step                     an object with "logit_step" and "delta_first_order"
  ///
  /// Infinities may be the strings "inf", "-inf" as DeltaH writes them; a NaN anywhere ("nan")
  /// is refused, naming its path (a report never prints NaN as a figure).
  ///
  /// - Throws: ``ReportError`` naming `source` when the JSON is malformed, of no known kind, or
  ///   holds a NaN.
  /// - Complexity: O(size of the file).
  public mutating func addDeltaHJSON(_ data: Data, source: String) throws(ReportError) {
    guard let object = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue else {
      throw ReportError("\(source): not a JSON object (expected a DeltaH result: a dump summary or series, a checkpoint comparison, a training run, a curvature or a cliff report)")
    }
    if let path = JSONValue.object(object).firstNaNPath() {
      throw ReportError("\(source): \(path) is NaN; DeltaH never writes NaN as a result (a damaged or hand-edited file?); recompute it")
    }
    let snake = JSONDecoder()
    // snake_case → camelCase, keeping the acronym of meanLocalKL / meanExactKL.
    snake.keyDecodingStrategy = .custom { path in
      let raw = path.last!.stringValue
      let parts = raw.split(separator: "_")
      var name = (parts.first.map(String.init) ?? "") + parts.dropFirst().map { $0 == "kl" ? "KL" : $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
      if raw.hasPrefix("_") { name = raw }
      return _Key(name)
    }
    snake.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let plain = JSONDecoder()
    plain.nonConformingFloatDecodingStrategy = snake.nonConformingFloatDecodingStrategy
    do {
      if object["ceiling_interval"] != nil {
        addEntropyPerformanceLaw(try plain.decode(EntropyPerformanceLaw.self, from: data), sources: [source])
      } else if object["steps"]?.arrayValue != nil, let summary = object["summary"]?.objectValue {
        let records = try plain.decode(RunFile.self, from: data).steps
        guard let finalEntropy = summary["final_entropy"]?.numberValue, let finalReward = summary["final_reward"]?.numberValue else {
          throw ReportError("\(source): the run summary lacks final_entropy/final_reward")
        }
        var settings: [Provenance.Setting] = []
        for key in ["environment", "rule", "intervention"] { if let v = summary[key]?.stringValue { settings.append(.init(key, v)) } }
        if let lr = summary["lr"]?.numberValue { settings.append(.init("lr", NumberFormatting.exact(lr))) }
        addTrainingRun(TrainingRun(steps: records, finalEntropy: finalEntropy, finalReward: finalReward), settings: settings, sources: [source])
      } else if object["steps"]?.arrayValue != nil {
        let series = try snake.decode(SummaryFile.self, from: data).steps
        warnings += (object["warnings"]?.arrayValue ?? []).compactMap(\.stringValue).map { "\(source): \($0)" }
        addSummaries(series)
      } else if object["entropy_source"] != nil {
        addSummaries([try snake.decode(DumpSummary.self, from: data)])
      } else if object["pearson_first_order"] != nil || object["rmse_first_order"] != nil {
        let summary = try snake.decode(CheckpointComparison.Summary.self, from: data)
        addComparisonSummary(summary)
        if object["outside_trust_radius_share"] != nil {
          addTrustRadius(try plain.decode(CheckpointComparison.TrustRadius.self, from: data), before: summary.before, after: summary.after)
        }
        if object["linearized_tokens"] != nil {
          addLinearizedSummary(try snake.decode(LinearizedComparison.Summary.self, from: data), comparison: summary)
        }
      } else if object["logit_step"]?.arrayValue != nil, object["delta_first_order"] != nil {
        // deltah step --json
        var settings: [Provenance.Setting] = []
        if let rule = object["rule"]?.stringValue { settings.append(.init("rule", rule)) }
        if let t = object["temperature"]?.numberValue { settings.append(.init("temperature", NumberFormatting.exact(t))) }
        let keys: [(String, String)] = [
          ("H before (nats)", "entropy"), ("H after (nats)", "entropy_after"), ("ΔH actual", "delta_actual"),
          ("ΔH first order −Cov(log π, Δz/T)", "delta_first_order"), ("ΔH second order", "delta_second_order"),
          ("sampled-token term", "sampled_term"), ("correction term", "correction_term"), ("polarity", "polarity"),
        ]
        addLogitStep(rows: keys.map { ($0.0, object[$0.1]?.numberValue) }, settings: settings, sources: [source])
      } else if object["fisher_eigenvalues"] != nil {
        addCurvature(try plain.decode(CurvatureReport.self, from: data), source: source)
      } else if object["file"] != nil, object["positions"]?.arrayValue?.first?.objectValue?["fisher_eigenvalues"] != nil {
        // A dump's positions (DumpCurvatureReport): one spectra section per position.
        for report in try plain.decode(DumpCurvatureReport.self, from: data).positions {
          addCurvature(report, source: source)
        }
      } else if object["soft_policy"] != nil {
        guard object["values"] != nil else {
          throw ReportError("\(source): cliff report without \"values\" (written by an older DeltaH); compute it again")
        }
        let cliff = try plain.decode(CliffReport.self, from: data)
        do {
          addPolicyCliff(try PolicyCliffCurve(values: cliff.values, alpha: cliff.alpha, gamma: cliff.gamma), sources: [source])
        } catch {
          throw ReportError("\(source): \(error)")
        }
      } else if object["interventions"]?.arrayValue != nil {
        addWhatIf(try plain.decode(WhatIfReport.self, from: data), sources: [source])
      } else {
        throw ReportError("\(source): JSON of no known kind (expected the output of deltah step/analyze/compare/merge/bandit/mdp/curvature/cliff/law/whatif --json)")
      }
    } catch let error as ReportError {
      throw error
    } catch {
      throw ReportError("\(source): cannot read DeltaH JSON: \(error)")
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

  private struct _Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  private struct RunFile: Decodable { let steps: [StepRecord] }
  private struct SummaryFile: Decodable { let steps: [DumpSummary] }
}
