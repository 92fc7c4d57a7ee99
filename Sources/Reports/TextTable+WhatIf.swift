// DeltaH — entropy change of softmax policies.

import DumpAnalysis

extension TextTable {
  /// The counterfactual table of `deltah whatif`: one row per intervention (its name, marked
  /// " *" when it is DeltaH's interpretation of a rule stated in words), ΔH first order, tokens
  /// touched, weight removed, the raising and lowering parts (6 significant digits) and the
  /// parameters used.
  ///
  /// - Complexity: O(interventions).
  public init(whatIf report: WhatIfReport) {
    self.init("intervention", "ΔH first order", "tokens touched", "weight removed", "raising", "lowering", "parameters")
    for r in report.interventions {
      append(
        r.name + (r.interpretation ? " *" : ""), terminal(r.deltaFirstOrder, digits: 6), "\(r.tokensTouched)",
        terminal(r.weightRemoved, digits: 6), terminal(r.raising, digits: 6), terminal(r.lowering, digits: 6), r.parameters)
    }
  }

  /// The terminal output of `whatif`: a line with the file, valid tokens, T, η and the ratio
  /// source; ``init(whatIf:)`` rendered; the footnote on interpretations; with a comparison, the
  /// actual ΔH to `after`; one "warning: …" line per warning.
  ///
  /// - Complexity: O(total characters).
  public static func whatIfText(_ report: WhatIfReport, after: String?) -> String {
    var lines = [
      "\(report.file): \(report.tokens) valid tokens, T = \(terminal(report.temperature))\(report.temperatureSource.map { " (\($0))" } ?? ""), η = \(terminal(report.learningRate))\(report.learningRateSource.map { " (\($0))" } ?? ""), ratios from old_logprobs: \(report.usedOldLogprobs ? "yes" : "no (r = 1)")",
      TextTable(whatIf: report).rendered(),
      "* interpretation: DeltaH's reading of a rule stated only in words (see the README's methods table)",
    ]
    if let a = report.actual {
      lines.append("actual ΔH to \(after ?? "?"): sum \(terminal(a.sum, digits: 6)) over \(a.tokens) positions (mean \(terminal(a.mean, digits: 6))); first-order prediction of the real step: \(terminal(a.firstOrderSum, digits: 6))")
    }
    lines += report.warnings.map { "warning: \($0)" }
    return lines.joined(separator: "\n")
  }
}

/// ``NumberFormatting/terminal(_:digits:)``, short.
private func terminal(_ x: Double, digits: Int = 10) -> String { NumberFormatting.terminal(x, digits: digits) }
