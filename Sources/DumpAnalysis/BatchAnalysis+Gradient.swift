// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import LogitDumps
import SoftmaxEntropy
import RealModule

extension BatchAnalysis {
  /// The logit-gradient section: the mean over valid tokens of ‖∇_x log π_y‖ = ‖e_y − π‖ = √(1 − 2π_y + Σπ²)
  /// (x = z/T, docs/theory.md#dump-statistics; the raw-logit gradient is this divided by T),
  /// when the dump has tokens, log-probabilities and Σπ².
  ///
  /// - Complexity: O(N).
  static func gradientNormSection(_ batch: Batch, _ summary: inout DumpSummary) {
    let table = batch.table
    let validIndices = batch.validIndices
    if let logp = table.logProbability, let s2 = table.sumSquaredProbabilities, table.tokenIDs != nil {
      let norms = validIndices.map { (max(0, 1 - 2 * Double.exp(logp[$0]) + s2[$0])).squareRoot() }
      summary.gradientNormMean = compensatedSum(norms) / Double(norms.count)
    }

  }

  /// The STEER section (code form): ω_t from advantage, π, π_old and entropy, mapped linearly to
  /// weights in `options.steerWeightRange`; the ω and weight ranges.
  ///
  /// - Returns: the weight per position (NaN where invalid), or nil without log-probs, advantages
  ///   and entropy.
  /// - Throws: ``DumpError`` from the weighting rule.
  /// - Complexity: O(N).
  static func steerSection(_ batch: Batch, _ summary: inout DumpSummary) throws(DumpError) -> [Double]? {
    let table = batch.table
    let options = batch.options
    let file = batch.file
    let valid = batch.valid
    let validIndices = batch.validIndices
    let n = batch.n
    var steerWeights: [Double]?
    if let logp = table.logProbability, let adv = table.advantages, table.entropySource != .none {
      let old = table.oldLogProbability ?? logp
      let omega = (0..<n).map { i in
        valid[i]
          ? SteerWeighting.omega(
            advantage: adv[i], probability: Double.exp(logp[i]), oldProbability: Double.exp(old[i]),
            entropy: table.entropy[i])
          : 0
      }
      let range = options.steerWeightRange
      let weights = try Self.intervention(file) { () throws(InterventionError) in
        try SteerWeighting.linear(minimum: range.lower, maximum: range.upper).weights(omegas: omega, valid: valid)
      }
      let magnitudes = validIndices.map { abs(omega[$0]) }
      let validWeights = validIndices.map { weights[$0] }
      summary.steer = DumpSummary.STEERSummary(
        omegaAbsMin: magnitudes.min()!, omegaAbsMax: magnitudes.max()!, weightMin: validWeights.min()!,
        weightMax: validWeights.max()!, weightMean: compensatedSum(validWeights) / Double(validWeights.count),
        usedOldLogprobs: table.oldLogProbability != nil)
      steerWeights = (0..<n).map { valid[$0] ? weights[$0] : .nan }
    }
    return steerWeights
  }
}
