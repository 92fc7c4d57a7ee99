// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import Testing

/// The what-if rows marked "interpretation" are exactly the rules read from an abstract or a
/// summary (README methods table). Before, OPEFO and the annealed KL-Cov, both from summaries
/// (their source column says so), were shown as the papers' own rules.
@Suite("whatif: interpretation flags follow the README's definition")
struct WhatIfInterpretationFlagsTests {
  @Test func summaryAndAbstractRulesAreMarked() {
    var whatIf = WhatIfOptions()
    whatIf.entropyHistory = [1]
    let rows = WhatIfReport.standardInterventions(options: AnalysisOptions(), whatIf: whatIf, step: 0)
    let marked = Set(rows.filter { $0.0.isInterpretation }.map { $0.0.name })
    #expect(marked == ["opefo", "kl-cov-annealed", "bapo", "hapo", "cov-kernel", "d3s", "lp-reg", "siren", "empg", "epo"])
  }
}
