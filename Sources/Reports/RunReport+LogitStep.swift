// DeltaH — entropy change of softmax policies.

extension RunReport {
  /// The table of one logit step (`deltah step --json`): entropy before and after, the actual,
  /// first- and second-order ΔH and, for a sampled token, the polarity split.
  ///
  /// - Parameters:
  ///   - rows: (quantity, value) pairs in display order; nil values are left out.
  ///   - settings: rule and temperature.
  /// - Complexity: O(rows).
  public mutating func addLogitStep(rows: [(String, Double?)], settings: [Provenance.Setting], sources: [String]) {
    var t = ReportTable(title: "Entropy change of one logit step", label: "logit-step", columns: [.init("quantity"), .init("value", significantDigits: 6)], provenance: provenance(settings, sources: sources, theory: "docs/theory.md#lemma-1"))
    for (name, value) in rows { if let value { t.append([.text(name), .number(value)]) } }
    append(Section(heading: "One logit step (deltah step)", tables: [t]))
  }
}
