// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import GSLSupport
import Testing

/// The what-if table's forking rows and KL-Cov coefficient agree with the trainer's.
///
/// Before: whatif weighed the kept forking tokens 1 (the mask before the loss normaliser) while
/// the trainer weighs them N/N_kept (the paper's released loss averages over the kept tokens), so
/// the two disagreed by N/N_kept on the same tokens; and KL-Cov's β was fixed at 1.
@Suite("whatif agrees with the trainer: forking N/N_kept, KL-Cov β")
struct WhatIfTrainerAgreementTests {
  /// Six tokens in three states of two, entropies 0.1, 0.9, 0.5 by state (as the trainer's tests).
  let entropies = [0.1, 0.1, 0.9, 0.9, 0.5, 0.5]
  let advantages = [1, -1, 0.5, -0.5, 2, -2.0]

  func rule(_ name: String, _ whatIf: WhatIfOptions = .init()) throws -> (any TokenWeighting, String) {
    try #require(WhatIfReport.standardInterventions(options: AnalysisOptions(), whatIf: whatIf, step: 3).first { $0.0.name == name })
  }

  @Test func forkingRowsWeighKeptTokensAsTheTrainerDoes() throws {
    let batch = try TokenBatch(logProbabilities: Array(repeating: -1, count: 6), advantages: advantages, entropies: entropies)
    let top = try rule("forking").0.weights(for: batch)
    let bottom = try rule("forking-bottom").0.weights(for: batch)
    // ρ = 0.2 of 6: τ = the linear 80th percentile (≈ 0.9) keeps the 0.9 state: weight 6/2 = 3.
    #expect(top == [0, 0, 3, 3, 0, 0])
    #expect(bottom == [1.5, 1.5, 0, 0, 1.5, 1.5])
    let epoch = EpochTokens(
      logProbabilities: Array(repeating: -1, count: 6), oldLogProbabilities: Array(repeating: -1, count: 6),
      advantages: advantages, entropies: entropies, clipped: Array(repeating: false, count: 6),
      surrogate: Array(repeating: 1, count: 6), groupSize: 2)
    let trainerTop = try EntropyIntervention(.forking, parameters: .init(forkingRatio: 0.2), totalSteps: 10)
      .epochAdjustment(epoch, generator: MersenneTwister(seed: 1))
    #expect(trainerTop.weights == top)
    let trainerBottom = try EntropyIntervention(.forkingBottom, parameters: .init(forkingRatio: 0.2), totalSteps: 10)
      .epochAdjustment(epoch, generator: MersenneTwister(seed: 1))
    #expect(trainerBottom.coefficients == zip(bottom, advantages).map { $0 * $1 })
  }

  @Test func klCoefficientSetsBothKLCovRowsAndIsShownWithItsSource() throws {
    var given = WhatIfOptions()
    given.klCoefficient = 0.1
    let (klCov, text) = try rule("kl-cov", given)
    #expect((klCov as? KLCovWeighting)?.coefficient == 0.1)
    #expect(text.contains("β = 0.1 (flag)"))
    let (annealed, annealedText) = try rule("kl-cov-annealed", given)
    #expect((annealed as? KLCovAnnealing)?.initialCoefficient == 0.1 && annealedText.contains("β₀ = 0.1 (flag)"))
    let (plain, plainText) = try rule("kl-cov")
    #expect((plain as? KLCovWeighting)?.coefficient == WhatIfOptions.defaultKLCoefficient && plainText.contains("β = 1.0 (default)"))
    #expect(WhatIfOptions(step: nil, entropyHistory: [], clipping: nil, klCoefficient: 0.3).klCoefficient == 0.3)
  }
}
