// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import GSLSupport
import Testing

/// Token selection of each intervention on the hand-made batches of docs/theory.md#token-covariance and docs/theory.md#steer.
@Suite("Entropy interventions: token selection on hand-made batches")
struct InterventionSelectionTests {
  // docs/theory.md#token-covariance: N = 10 valid tokens, ratio 1.
  let logp = [-0.05, -0.1, -2.3, -0.01, -1.2, -0.7, -3.0, -0.2, -0.02, -0.5]
  let adv: [Double] = [1, 1, 1, -1, -1, 1, -1, 1, -1, 1]

  func products() throws -> [Double] {
    try TokenCovariance(logProbabilities: logp, advantages: adv).centredProducts
  }

  @Test func centredProductsMatchSpec() throws {
    let expected = [0.6064, 0.5664, -1.1936, -0.9576, 0.4704, 0.0864, 2.6304, 0.4864, -0.9456, 0.2464]
    // docs/theory.md's values are exact 4-decimal numbers (means −0.808 and 0.2); only rounding differs.
    for (a, b) in zip(try products(), expected) { #expect(abs(a - b) < 1e-12) }
  }

  @Test func klCovTopTwo() throws {
    let s = try KLCovSelection(centredProducts: products(), ratio: 0.2)
    #expect(s.targetCount == 2)
    #expect(s.selected == [6, 0])
    // A tiny ratio still selects one token (max(1, ⌊r N⌋)); masked tokens are never selected.
    let one = try KLCovSelection(centredProducts: products(), ratio: 1e-4)
    #expect(one.selected == [6])
    var valid = Array(repeating: true, count: 10)
    valid[6] = false
    // 9 valid tokens ⇒ n = max(1, ⌊0.2 · 9⌋) = 1.
    #expect(try KLCovSelection(centredProducts: products(), valid: valid, ratio: 0.2).selected == [0])
    #expect(try KLCovSelection(centredProducts: products(), valid: valid, ratio: 0.25).selected == [0, 1])
  }

  @Test func klCovPenaltySlopeIsSubgradientOfAbs() {
    #expect(KLCovSelection.penaltySlope(logProbability: -1, oldLogProbability: -1.5, coefficient: 2) == 2)
    #expect(KLCovSelection.penaltySlope(logProbability: -2, oldLogProbability: -1.5, coefficient: 2) == -2)
    #expect(KLCovSelection.penaltySlope(logProbability: -1, oldLogProbability: -1, coefficient: 2) == 0)
  }

  @Test func clipCovCandidatesAndDraw() throws {
    let c = try ClipCovSelection.candidates(centredProducts: products(), lowerBound: 0.1, upperBound: 0.5)
    #expect(c == [4, 7, 9])
    let s = try ClipCovSelection(centredProducts: products(), lowerBound: 0.1, upperBound: 0.5, ratio: 0.2, generator: MersenneTwister(seed: 7))
    #expect(s.targetCount == 2 && s.selected.count == 2)
    #expect(Set(s.selected).isSubset(of: [4, 7, 9]) && Set(s.selected).count == 2)
    let again = try ClipCovSelection(centredProducts: products(), lowerBound: 0.1, upperBound: 0.5, ratio: 0.2, generator: MersenneTwister(seed: 7))
    #expect(again.selected == s.selected)
    // Every 2-subset of the candidates shows up over seeds (uniform pick), and nothing else does.
    var seen = Set<[Int]>()
    for seed in 0..<200 as Range<UInt64> {
      let d = try ClipCovSelection(centredProducts: products(), lowerBound: 0.1, upperBound: 0.5, ratio: 0.2, generator: MersenneTwister(seed: seed))
      seen.insert(d.selected.sorted())
    }
    #expect(seen == [[4, 7], [4, 9], [7, 9]])
    // Strict bounds: token 4 is excluded by an upper bound equal to its Cov; PPO-clipped tokens are excluded.
    #expect(try ClipCovSelection.candidates(centredProducts: products(), lowerBound: 0.1, upperBound: products()[4]) == [9])
    var clipped = Array(repeating: false, count: 10)
    clipped[7] = true
    #expect(try ClipCovSelection.candidates(centredProducts: products(), ppoClipped: clipped, lowerBound: 0.1, upperBound: 0.5) == [4, 9])
  }

  @Test func steerSpecValues() throws {
    // docs/theory.md#steer: (A, π_θ, π_old, H).
    let tokens: [(Double, Double, Double, Double)] = [(1, 0.6, 0.5, 1.0), (-1, 0.6, 0.5, 1.0), (1, 0.05, 0.05, 1.0)]
    let omegas = tokens.map { SteerWeighting.omega(advantage: $0.0, probability: $0.1, oldProbability: $0.2, entropy: $0.3) }
    for (a, b) in zip(omegas, [0.2348037006, -0.2348037006, -1.8959456599]) { #expect(abs(a - b) < 1e-9) }
    let exp = try SteerWeighting.exponential(minimum: 0.8).weights(omegas: omegas)
    for (a, b) in zip(exp, [0.9727431105, 0.9727431105, 0.8]) { #expect(abs(a - b) < 1e-9) }
    let lin = try SteerWeighting.linear(minimum: 0.8, maximum: 1.2).weights(omegas: omegas)
    for (a, b) in zip(lin, [1.2, 1.2, 0.8]) { #expect(abs(a - b) < 1e-12) }
    // All |Ω| equal ⇒ the midpoint (w_min + w_max)/2.
    #expect(try SteerWeighting.linear().weights(omegas: [0.3, -0.3]) == [1.0, 1.0])
  }

  @Test func opefoBalancesTheFlow() throws {
    let flows = [0.3, -0.1, -0.5, 0]
    let b = try EntropyFlowBalance(flows: flows)
    #expect(abs(b.expandingFlow - 0.3) < 1e-15 && abs(b.contractingFlow - 0.6) < 1e-15)
    #expect(abs(b.lambda - 1.0 / 3) < 1e-15)
    let net = flows.reduce(0) { $0 + b.weight(forFlow: $1) * $1 }
    #expect(abs(net) < 1e-15)
    #expect(b.weight(forFlow: 0) == 1)
    // Invariant to a common rescaling.
    #expect(abs(try EntropyFlowBalance(flows: flows.map { $0 * 1e-4 }).lambda - b.lambda) < 1e-14)
  }

  @Test func entrocraftScheduleAndMask() throws {
    let c = try EntrocraftController(totalSteps: 100)
    let mid = c.bounds(atStep: 50)
    #expect(abs(mid.lower - 0.35) < 1e-15 && abs(mid.upper - 0.45) < 1e-15)
    #expect(c.bounds(atStep: 500) == (0.1, 0.2) || (abs(c.bounds(atStep: 500).lower - 0.1) < 1e-15))
    #expect(c.direction(entropy: 0.8, step: 0) == 1)
    #expect(c.direction(entropy: 0.65, step: 0) == 0)
    #expect(c.direction(entropy: 0.5, step: 0) == -1)
    #expect(EntrocraftController.keepMask(advantages: [1, -1, 0], direction: 1) == [true, false, true])
    #expect(EntrocraftController.keepMask(advantages: [1, -1, 0], direction: -1) == [false, true, true])
    #expect(EntrocraftController.keepMask(advantages: [1, -1, 0], direction: 0) == [true, true, true])
    #expect(throws: InterventionError.self) { try EntrocraftController(startBounds: (0.7, 0.6), totalSteps: 10) }
  }

  @Test func forkingMaskKeepsTopRho() throws {
    let h = (0..<10).map(Double.init)
    let m = try ForkingTokenMask(entropies: h, ratio: 0.2)
    // h = 9 · 0.8 = 7.2 ⇒ τ = 7.2 by linear interpolation; kept {8, 9}.
    #expect(abs(m.threshold - 7.2) < 1e-12)
    #expect(m.keep == (0..<10).map { $0 >= 8 })
    #expect(m.keptCount == 2)
    // Ties at τ are all kept.
    #expect(try ForkingTokenMask(entropies: [1, 1, 1, 0], ratio: 0.25).keptCount == 3)
    #expect(throws: InterventionError.self) { try ForkingTokenMask(entropies: h, ratio: 0) }
  }

  @Test func polarityBranchWeights() throws {
    let w = try PolarityBranchWeights(expanding: 1.5, contracting: 0.5)
    #expect([0.1, -0.1, 0].map(w.weight(forPolarity:)) == [1.5, 0.5, 1])
    let controller = PolarityBranchWeights.proportionalController(target: 1, gain: 1)
    let low = controller([2.0, 0.5])  // below target: favour expansion
    #expect(low.expanding == 1.5 && low.contracting == 0.5)
    #expect(throws: InterventionError.self) { try PolarityBranchWeights(expanding: -1, contracting: 1) }
  }

  @Test func badInputNamesTheArgument() {
    #expect(throws: InterventionError(argument: "ratio", problem: "must be in (0, 1], got 0.0")) {
      try KLCovSelection(centredProducts: [1, 2], ratio: 0)
    }
    #expect(throws: InterventionError(argument: "centredProducts", problem: "token 1 is nan; values must be finite")) {
      try ClipCovSelection.candidates(centredProducts: [1, .nan])
    }
    #expect(throws: InterventionError.self) { try ClipCovSelection.candidates(centredProducts: [1, 2], lowerBound: 5, upperBound: 1) }
  }
}
