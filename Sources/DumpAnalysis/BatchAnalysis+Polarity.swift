// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import LogitDumps
import SoftmaxEntropy

extension BatchAnalysis {
  /// The polarity section (needs the full distribution at each position): per valid token
  /// sampled_t = −(η/T)·A_t·S_{y_t}·c_t, correction_t = +(η/T)·A_t·E_π[S]·c_t, polarity_t their sum,
  /// with c_t the clipping factors (1 without clipping); the sums, OPEFO's Φ± and λ*, and the
  /// advantage × probability quadrants.
  ///
  /// - Returns: the three per-position arrays (NaN where invalid), or nil without full logits,
  ///   tokens and advantages.
  /// - Throws: ``DumpError`` from the clipping factors or the flow balance.
  /// - Complexity: O(N).
  static func polaritySection(_ batch: Batch, _ summary: inout DumpSummary) throws(DumpError) -> (sampled: [Double], correction: [Double], polarity: [Double])? {
    let table = batch.table
    let options = batch.options
    let file = batch.file
    let valid = batch.valid
    let validIndices = batch.validIndices
    let n = batch.n
    var sampled: [Double]?, correction: [Double]?, polarity: [Double]?
    if let s = table.sampledDiscriminator, let es = table.expectedDiscriminator, let adv = table.advantages {
      let scale = options.learningRate / table.temperature
      let c = try Self.clippingFactors(table: table, options: options, file: file) ?? Array(repeating: 1, count: n)
      sampled = (0..<n).map { valid[$0] ? -scale * adv[$0] * s[$0] * c[$0] : .nan }
      correction = (0..<n).map { valid[$0] ? scale * adv[$0] * es[$0] * c[$0] : .nan }
      polarity = (0..<n).map { valid[$0] ? sampled![$0] + correction![$0] : .nan }
      let p = validIndices.map { polarity![$0] }
      // η/T so large that α·S overflows Double would print NaN/inf polarity sums: refuse it.
      guard p.allSatisfy(\.isFinite), compensatedSum(p.map(abs)).isFinite else {
        throw DumpError(
          file: file,
          problem: "the polarity α·(E_π[S] − S_k) with α = η·A/T overflows Double (η = \(options.learningRate) from \(options.learningRateSource.rawValue), T = \(table.temperature)); give a smaller η")
      }
      let positive = p.filter { $0 > 0 }, negative = p.filter { $0 < 0 }
      summary.polarity = DumpSummary.PolaritySummary(
        sumPositive: compensatedSum(positive), sumNegative: compensatedSum(negative),
        countPositive: positive.count, countNegative: negative.count,
        countZero: p.count - positive.count - negative.count, total: compensatedSum(p),
        mean: compensatedSum(p) / Double(p.count),
        sampledTermSum: compensatedSum(validIndices.map { sampled![$0] }),
        correctionTermSum: compensatedSum(validIndices.map { correction![$0] }))
      let flows = try Self.intervention(file) { () throws(InterventionError) in
        try EntropyFlowBalance(flows: polarity!, valid: valid)
      }
      summary.opefo = DumpSummary.OPEFOSummary(
        phiPlus: flows.expandingFlow, phiMinus: flows.contractingFlow,
        lambdaStar: flows.expandingFlow + flows.contractingFlow > 0 ? flows.lambda : nil)
      var rows: [PolarityQuadrant: (Int, [Double])] = [:]
      for i in validIndices {
        let high = table.logProbability![i] > -table.entropy[i]
        let q = PolarityQuadrant(advantageIsPositive: adv[i] > 0, probabilityIsHigh: high)
        rows[q, default: (0, [])].0 += 1
        rows[q]!.1.append(polarity![i])
      }
      summary.quadrants = PolarityQuadrant.allCases.map { q in
        DumpSummary.QuadrantRow(quadrant: q.rawValue, tokens: rows[q]?.0 ?? 0, polaritySum: compensatedSum(rows[q]?.1 ?? []))
      }
    }
    guard let sampled, let correction, let polarity else { return nil }
    return (sampled, correction, polarity)
  }
}
