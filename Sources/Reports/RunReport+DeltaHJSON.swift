// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import FoundationEssentials
import TabularPolicies

extension RunReport {
  /// Adds the results in a JSON file written by `deltah … --json`, recognised by its keys:
  ///
  ///     analyze (one dump)       an object with "entropy_source"
  ///     analyze (several dumps)  {"steps": [summaries]}
  ///     compare                  an object with "pearson_first_order" or "rmse_first_order"
  ///     bandit / mdp             {"steps": [step records], "summary": {...}}
  ///     curvature                an object with "fisher_eigenvalues"
  ///     cliff                    an object with "soft_policy" and "values"
  ///
  /// Non-finite numbers may be the strings "nan", "inf", "-inf" as DeltaH writes them.
  ///
  /// - Throws: ``ReportError`` naming `source` when the JSON is malformed or of no known kind.
  /// - Complexity: O(size of the file).
  public mutating func addDeltaHJSON(_ data: Data, source: String) throws(ReportError) {
    guard let object = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue else {
      throw ReportError("\(source): not a JSON object (expected the output of deltah analyze/compare/bandit/mdp/curvature/cliff --json)")
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
      if object["steps"]?.arrayValue != nil, let summary = object["summary"]?.objectValue {
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
        addSummaries(series)
      } else if object["entropy_source"] != nil {
        addSummaries([try snake.decode(DumpSummary.self, from: data)])
      } else if object["pearson_first_order"] != nil || object["rmse_first_order"] != nil {
        let comparison = try snake.decode(CheckpointComparison.Summary.self, from: data)
        addComparisonSummary(comparison)
        if object["linearized_tokens"] != nil { addLinearizedSummary(try snake.decode(LinearizedComparison.Summary.self, from: data), comparison: comparison) }
      } else if let fisher = object["fisher_eigenvalues"]?.arrayValue, let hessian = object["entropy_hessian_eigenvalues"]?.arrayValue {
        var settings: [Provenance.Setting] = []
        if let t = object["temperature"]?.numberValue { settings.append(.init("temperature", NumberFormatting.exact(t))) }
        if let k = object["actions"]?.integerValue { settings.append(.init("actions", "\(k)")) }
        addSpectra(fisher: fisher.compactMap(\.numberValue), entropyHessian: hessian.compactMap(\.numberValue), settings: settings, sources: [source])
      } else if object["soft_policy"] != nil {
        guard let values = object["values"]?.arrayValue?.compactMap(\.numberValue), let alpha = object["alpha"]?.numberValue else {
          throw ReportError("\(source): cliff JSON without \"values\" (written by an older deltah); rerun deltah cliff --json")
        }
        do {
          addPolicyCliff(try PolicyCliffCurve(values: values, alpha: alpha, gamma: object["gamma"]?.numberValue ?? 0), sources: [source])
        } catch {
          throw ReportError("\(source): \(error)")
        }
      } else {
        throw ReportError("\(source): JSON of no known kind (expected the output of deltah analyze/compare/bandit/mdp/curvature/cliff --json)")
      }
    } catch let error as ReportError {
      throw error
    } catch {
      throw ReportError("\(source): cannot read DeltaH JSON: \(error)")
    }
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
