// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import Foundation
import LogitDumps
import RealModule
import Testing
import _TestSupport

@Suite("whatif: first-order ΔH of a dump under each intervention")
struct WhatIfTests {
  let fixtures = DumpFixtures()

  /// Per-position polarity and entropy computed here from the raw logits, independently of the
  /// kernels: P = η A (E_π S − S_y)/T with η = 1.
  func reference(_ batch: DumpFixtures.Batch, temperature: Double) -> (polarity: [Double], entropy: [Double], logp: [Double]) {
    var p: [Double] = [], h: [Double] = [], l: [Double] = []
    for i in 0..<(batch.b * batch.t) {
      let z = Array(batch.logits[(i * batch.v)..<((i + 1) * batch.v)])
      let logpi = referenceLogSoftmax(z, temperature: temperature)
      let pi = logpi.map { Double.exp($0) }
      let entropy = -zip(pi, logpi).map { $0 * $1 }.reduce(0, +)
      let s = zip(pi, logpi).map { $0 * ($1 + entropy) }
      let es = zip(pi, s).map { $0 * $1 }.reduce(0, +)
      let y = Int(batch.tokens[i])
      p.append(batch.advantages[i] * (es - s[y]) / temperature)
      h.append(entropy)
      l.append(logpi[y])
    }
    return (p, h, l)
  }

  func analysed(_ batch: DumpFixtures.Batch, name: String, old: [Double]? = nil, options: AnalysisOptions = .init()) throws -> (BatchAnalysis, String) {
    let path = try fixtures.write(batch, name: name, temperature: 0.9) { w in
      if let old { w.add("old_logprobs", old, shape: [batch.b, batch.t]) }
    }
    let dump = try LogitDump(path: path)
    let table = try PositionTable(dump: dump, temperature: 0.9)
    return (try BatchAnalysis(table: table, file: path, step: dump.step, options: options), path)
  }

  @Test func noneEqualsAnalyzePolarityTotalAndForkingMatchesBruteForce() throws {
    let batch = DumpFixtures.randomBatch(b: 6, t: 9, v: 40, seed: 21)
    let (analysis, path) = try analysed(batch, name: "w1.safetensors")
    let report = try WhatIfReport(analysis: analysis, file: path, step: 7)
    let row = { (name: String) in report.interventions.first { $0.name == name }! }
    // The same terms in the same order: equal to well within 1e-12.
    #expect(abs(row("none").deltaFirstOrder - analysis.summary.polarity!.total) <= 1e-12)
    #expect(row("none").tokensTouched == 0 && row("none").weightRemoved == 0)

    let ref = reference(batch, temperature: 0.9)
    let valid = (0..<(batch.b * batch.t)).filter { batch.mask[$0] == 1 }
    let sorted = valid.map { ref.entropy[$0] }.sorted()
    let hq = Double(sorted.count - 1) * 0.8
    let tau = sorted[Int(hq)] + (hq - Double(Int(hq))) * (sorted[Int(hq) + 1] - sorted[Int(hq)])
    let top = valid.filter { ref.entropy[$0] >= tau }
    let rest = valid.filter { ref.entropy[$0] < tau }
    // Kept tokens weigh N/N_kept (the paper's loss averages over the kept tokens), as in the trainer.
    let forking = Double(valid.count) / Double(top.count) * top.map { ref.polarity[$0] }.reduce(0, +)
    let bottom = Double(valid.count) / Double(rest.count) * rest.map { ref.polarity[$0] }.reduce(0, +)
    // F64 logits; the kernels and this reference agree per position to ~1e-13 (sums of 52 terms).
    #expect(abs(row("forking").deltaFirstOrder - forking) < 1e-9)
    #expect(abs(row("forking-bottom").deltaFirstOrder - bottom) < 1e-9)
    // Every valid weight is N/N_kept or 0, never 1, and the renormalised weights keep the total mass.
    #expect(row("forking").tokensTouched == valid.count && abs(row("forking").weightRemoved) < 1e-9)
    let plus = valid.map { ref.polarity[$0] }.filter { $0 > 0 }.reduce(0, +)
    #expect(abs(row("expanding-only").deltaFirstOrder - plus) < 1e-9)
    for r in report.interventions {
      #expect(abs(r.raising + r.lowering - r.deltaFirstOrder) < 1e-12, "\(r.name)")
      #expect(r.deltaFirstOrder.isFinite)
    }
    // No old log-probabilities: ratio rules are on-policy, KL-Cov's penalty has zero slope.
    for name in ["kl-cov", "ppo-clip", "bapo", "hapo"] { #expect(row(name).deltaFirstOrder == row("none").deltaFirstOrder, "\(name)") }
    #expect(report.warnings.contains { $0.contains("no 'old_logprobs'") })
    // OPEFO balances the flow.
    #expect(abs(row("opefo").deltaFirstOrder) < 1e-12)
  }

  @Test func clippingRowsMatchBruteForceWithRatios() throws {
    let batch = DumpFixtures.randomBatch(b: 4, t: 8, v: 24, seed: 22)
    let ref = reference(batch, temperature: 0.9)
    var rng = SplitMix64(seed: 5)
    let old = ref.logp.map { $0 + 0.4 * rng.normal() }
    var options = AnalysisOptions()
    options.clipCovBounds = .init(lower: -0.5, upper: 0.5)
    options.clipCovRatio = 0.1
    let (analysis, path) = try analysed(batch, name: "w2.safetensors", old: old, options: options)
    var wi = WhatIfOptions()
    wi.clipLow = 0.2
    wi.clipHigh = 0.28
    wi.dualClip = 3
    let report = try WhatIfReport(analysis: analysis, file: path, step: nil, whatIf: wi)
    let row = { (name: String) in report.interventions.first { $0.name == name }! }
    let valid = (0..<(batch.b * batch.t)).filter { batch.mask[$0] == 1 }
    var ppo = 0.0, cispo = 0.0, clipped = 0
    for i in valid {
      let r = Double.exp(ref.logp[i] - old[i])
      let a = batch.advantages[i]
      let isClipped = (a > 0 && r > 1.28) || (a < 0 && (r < 0.8 || r > 3))
      if isClipped { clipped += 1 } else { ppo += r * ref.polarity[i] }
      cispo += min(r, 1.28) * ref.polarity[i]
    }
    #expect(clipped > 0)
    #expect(abs(row("ppo-clip").deltaFirstOrder - ppo) < 1e-9)
    #expect(abs(row("cispo").deltaFirstOrder - cispo) < 1e-9)
    #expect(row("clip-cov").tokensTouched == analysis.summary.clipCovSelected!.count)
    #expect(row("clip-cov").weightRemoved == Double(analysis.summary.clipCovSelected!.count))
    #expect(report.usedOldLogprobs)
  }

  @Test func epoRowNeedsHistoryAndPolarityIsRequired() throws {
    let batch = DumpFixtures.randomBatch(b: 2, t: 5, v: 16, seed: 23)
    let (analysis, path) = try analysed(batch, name: "w3.safetensors")
    #expect(try WhatIfReport(analysis: analysis, file: path, step: 1).interventions.allSatisfy { $0.name != "epo" })
    var wi = WhatIfOptions()
    wi.entropyHistory = [10, 10]
    let with = try WhatIfReport(analysis: analysis, file: path, step: 1, whatIf: wi)
    let epo = with.interventions.first { $0.name == "epo" }!
    // Entropy far below the running average ⇒ an entropy bonus, which raises entropy on average.
    #expect(epo.tokensTouched > 0)
  }
}
