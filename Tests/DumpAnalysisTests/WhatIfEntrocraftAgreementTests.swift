// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import Testing

/// The what-if table's Entrocraft row and the tabular trainer's Entrocraft weigh the same tokens alike.
///
/// Before: the trainer weighed the kept samples of each group G/G_kept (the dropped ones 0) while
/// whatif weighed them 1 (the mask 1[m·A ≥ 0]), so on a group with a dropped sample the two
/// disagreed by G/G_kept. Both now weigh kept tokens 1: the released code zeroes advantages and
/// keeps their tokens in the token-mean denominator. Exact comparison: the weights are 0 or 1.
@Suite("whatif agrees with the trainer: Entrocraft's kept tokens weigh 1")
struct WhatIfEntrocraftAgreementTests {
  /// Three groups of three; some groups keep one sample, some two, so G/G_kept would be 3 or 1.5.
  let advantages = [1.2, -0.4, -0.8, 0.5, 0.5, -1.0, 0, -1.1, 1.1]

  /// The whatif row (built as `whatif` builds it, at dump step `step`) and the trainer's step
  /// weights at its 0-based step `step − 1` (the same bounds), with the batch entropy set to the
  /// token mean of `entropies` (what whatif computes).
  func weights(entropies: [Double], step: Int) throws -> (whatIf: [Double], trainer: [Double], touched: Int) {
    let (row, _) = try #require(
      WhatIfReport.standardInterventions(options: AnalysisOptions(), whatIf: WhatIfOptions(), step: step)
        .first { $0.0.name == "entrocraft" })
    let batch = try TokenBatch(
      logProbabilities: Array(repeating: -1, count: advantages.count), advantages: advantages, entropies: entropies)
    let whatIf = try row.weights(for: batch)
    let mean = entropies.reduce(0, +) / Double(entropies.count)
    let tokens = SampledStepTokens(
      advantages: advantages, groupSize: 3, polarities: Array(repeating: 0, count: advantages.count), batchEntropy: mean,
      step: step - 1, entropyHistory: [mean])
    let trainer = try EntropyIntervention.entrocraft(try EntrocraftController(totalSteps: 1000)).stepWeights(tokens)
    return (whatIf, trainer.weights, trainer.touched)
  }

  @Test(arguments: [(0.9, 1), (0.65, 1), (0.3, 1), (0.05, 1000)])
  func sameWeightsOnTheSameTokens(entropy: Double, step: Int) throws {
    // Entropies around `entropy` with that token mean: above, inside and below the band.
    let entropies = advantages.indices.map { entropy + ($0 % 3 == 0 ? 0.01 : $0 % 3 == 1 ? -0.01 : 0) }
    let (whatIf, trainer, touched) = try weights(entropies: entropies, step: step)
    #expect(whatIf == trainer)
    #expect(Set(trainer).isSubset(of: [0, 1]))
    #expect(touched == trainer.filter { $0 == 0 }.count)
  }

  @Test func aboveTheBandKeepsNonNegativeAdvantagesAtWeightOne() throws {
    // H = 0.9 > U(1/1000) ≈ 0.7: m = +1; the first group keeps one of three (G/G_kept would be 3).
    let (whatIf, trainer, touched) = try weights(entropies: Array(repeating: 0.9, count: 9), step: 1)
    #expect(trainer == [1, 0, 0, 1, 1, 0, 1, 0, 1])
    #expect(whatIf == trainer && touched == 4)
  }

  @Test func belowTheBandKeepsNonPositiveAdvantagesAtWeightOne() throws {
    // H = 0.05 < L(1000/1000) = 0.1: m = −1.
    let (whatIf, trainer, _) = try weights(entropies: Array(repeating: 0.05, count: 9), step: 1000)
    #expect(trainer == [0, 1, 1, 0, 0, 1, 1, 1, 0])
    #expect(whatIf == trainer)
  }
}
