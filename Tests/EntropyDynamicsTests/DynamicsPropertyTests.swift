// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Entropy dynamics: finite differences, error orders, polarity")
struct DynamicsPropertyTests {
  /// Lemma 1 for arbitrary steps: the first-order value is the directional derivative of H, checked
  /// by Richardson central differences (relative error ≤ 1e-7), including T ≠ 1 (the step acts on z,
  /// the policy on z/T).
  @Test func firstOrderIsDirectionalDerivative() throws {
    var rng = SplitMix64(seed: 101)
    for trial in 0..<300 {
      let k = 1 + trial % 200
      let scale = [0.3, 2, 8, 20][trial % 4]
      let t = [1.0, 0.7, 1.6][trial % 3]
      let z = rng.logits(count: k, scale: scale)
      let d = rng.logits(count: k, scale: 1)
      let p = try SoftmaxPolicy(logits: z, temperature: t)
      let first = try firstOrderEntropyChange(of: p, logitStep: d)
      let fd = FiniteDifference.derivative(step: 1e-3 * t / max(1, scale / 4)) { h in
        referenceEntropy(zip(z, d).map { $0 + h * $1 }, temperature: t)
      }
      // Relative to the gradient's size times the step's: |∇H·d| can vanish by cancellation.
      let size = max(p.entropyGradient.map(abs).max()! * d.map(abs).max()! / t, 1e-12)
      #expect(abs(first - fd) / size <= 1e-7, "K=\(k) scale=\(scale) T=\(t): \(first) vs \(fd)")
    }
  }

  /// Over η on a geometric grid the first-order error shrinks as η² and the second-order error as η³.
  @Test func errorOrders() throws {
    var rng = SplitMix64(seed: 202)
    // Steps are normalised to unit max-norm and η runs over 0.004 … 0.064: small enough that the
    // next order changes a fitted slope by ≲ 0.03, large enough that the second-order error
    // (≳ 1e-10) stays far above the rounding of H_after − H_before (~1e-16).
    let etas = (0..<5).map { 0.004 * Double.pow(2, Double($0)) }
    var slopes1: [Double] = [], slopes2: [Double] = []
    for trial in 0..<100 {
      let k = 3 + trial % 30
      let p = try SoftmaxPolicy(logits: rng.logits(count: k, scale: 1.5))
      let r = (0..<k).map { _ in Double.random(in: 0...1, using: &rng) }
      let rule: PolicyGradientRule = trial % 2 == 0 ? .policyGradient : .naturalPolicyGradient
      let raw = try rule.logitStep(for: p, rewards: r, learningRate: 1)
      let norm = raw.map(abs).max()!
      let d = raw.map { $0 / norm }
      var e1: [Double] = [], e2: [Double] = []
      for eta in etas {
        let c = try entropyChange(of: p, logitStep: d.map { eta * $0 })
        e1.append(abs(c.firstOrder - c.actual))
        e2.append(abs(c.secondOrder - c.actual))
      }
      slopes1.append(logLogSlope(etas, e1))
      slopes2.append(logLogSlope(etas, e2))
    }
    // The fitted slope pools all states with one intercept each (on a shared η grid that is the
    // mean of the per-state slopes). A state whose leading coefficient happens to be ≈ 0 (for
    // example ½dᵀ∇²Hd ≈ 0 along its direction) reaches its asymptotic slope only at smaller η, so
    // individual states are held to a 90% quorum rather than all.
    try #require((slopes1 + slopes2).allSatisfy { $0.isFinite }, "an error was exactly 0 or non-finite")
    let pooled1 = slopes1.reduce(0, +) / Double(slopes1.count)
    let pooled2 = slopes2.reduce(0, +) / Double(slopes2.count)
    #expect(abs(pooled1 - 2) <= 0.1, "pooled first-order slope \(pooled1)")
    #expect(abs(pooled2 - 3) <= 0.1, "pooled second-order slope \(pooled2)")
    let median1 = slopes1.sorted()[slopes1.count / 2], median2 = slopes2.sorted()[slopes2.count / 2]
    #expect(abs(median1 - 2) <= 0.05 && abs(median2 - 3) <= 0.05, "median slopes \(median1), \(median2)")
    #expect(slopes1.filter { abs($0 - 2) <= 0.1 }.count * 10 >= slopes1.count * 9, "first-order slopes \(slopes1)")
    #expect(slopes2.filter { abs($0 - 3) <= 0.1 }.count * 10 >= slopes2.count * 9, "second-order slopes \(slopes2)")
  }

  /// The sign of the polarity predicts the sign of the actual ΔH of one small sampled-token step in
  /// ≥ 99.9% of random states.
  @Test func polarityPredictsSign() throws {
    var rng = SplitMix64(seed: 303)
    var agree = 0
    let trials = 2000
    for trial in 0..<trials {
      let k = 2 + trial % 100
      let p = try SoftmaxPolicy(logits: rng.logits(count: k, scale: [0.5, 2, 5][trial % 3]))
      let token = p.actionCount == 0 ? 0 : Int(rng.next() % UInt64(k))
      let advantage = Double.random(in: -1...1, using: &rng)
      let pol = try EntropyPolarity(policy: p, token: token, advantage: advantage, learningRate: 1e-4)
      let c = try entropyChange(of: p, logitStep: pol.logitStep(for: p))
      if (pol.polarity > 0) == (c.actual > 0) { agree += 1 }
    }
    #expect(Double(agree) / Double(trials) >= 0.999, "agreement \(agree)/\(trials)")
  }

  /// E_{k~π}[polarity with A_k] = −η Cov_π(log π, π⊙A) when E_π A = 0 (P1 Thm 1 from the token view).
  @Test func expectedPolarityIsPolicyGradientCovariance() throws {
    var rng = SplitMix64(seed: 404)
    for _ in 0..<100 {
      let k = 2 + Int(rng.next() % 50)
      let p = try SoftmaxPolicy(logits: rng.logits(count: k, scale: 3))
      let a = try p.advantages((0..<k).map { _ in rng.normal() })
      var expected = 0.0
      for token in 0..<k {
        expected += try p.probabilities[token] * EntropyPolarity(policy: p, token: token, advantage: a[token], learningRate: 0.1).polarity
      }
      let closed = try PolicyGradientRule.policyGradient.firstOrderEntropyChange(of: p, advantages: a, learningRate: 0.1)
      #expect(abs(expected - closed) <= 1e-15 + 1e-12 * abs(closed))
    }
  }

  /// Quadrant classification and the threshold log π_k > −H ⇔ π_k > e^(−H) ⇔ S_k > 0.
  @Test func quadrants() throws {
    var rng = SplitMix64(seed: 505)
    for _ in 0..<500 {
      let k = 2 + Int(rng.next() % 20)
      let p = try SoftmaxPolicy(logits: rng.logits(count: k, scale: 2))
      let token = Int(rng.next() % UInt64(k))
      let a = rng.normal()
      let pol = try EntropyPolarity(policy: p, token: token, advantage: a, learningRate: 0.5)
      #expect(pol.isAboveThreshold == (pol.discriminator > 0))
      #expect(pol.isAboveThreshold == (pol.probability > Double.exp(-p.entropy)))
      switch pol.quadrant {
      case .positiveAdvantageLowProbability: #expect(a > 0 && pol.polarity > 0)  // always expands
      case .negativeAdvantageLowProbability: #expect(a <= 0 && pol.polarity <= 0)  // always contracts
      case .positiveAdvantageHighProbability: #expect(a > 0 && pol.isAboveThreshold)
      case .negativeAdvantageHighProbability: #expect(a <= 0 && pol.isAboveThreshold)
      }
    }
    #expect(throws: SoftmaxError.actionOutOfRange(index: 4, actions: 4)) {
      try EntropyPolarity(policy: try SoftmaxPolicy(logits: [1, 2, 3, 4]), token: 4, advantage: 1, learningRate: 1)
    }
  }

  /// Several states: the visitation-weighted PG step is η·∂J/∂z_s / (1−γ)-scaled, checked against a
  /// finite-difference gradient of J = Σ_s d(s) π_sᵀ r_s; weighted sums equal the per-state sums.
  @Test func multiState() throws {
    var rng = SplitMix64(seed: 606)
    let states = 4
    let k = 5
    let zs = (0..<states).map { _ in rng.logits(count: k, scale: 1.5) }
    let rs = (0..<states).map { _ in (0..<k).map { _ in Double.random(in: 0...1, using: &rng) } }
    var d = (0..<states).map { _ in Double.random(in: 0.1...1, using: &rng) }
    let total = d.reduce(0, +)
    d = d.map { $0 / total }
    d[states - 1] = 1 - d[0..<(states - 1)].reduce(0, +)
    let policies = try zs.map { try SoftmaxPolicy(logits: $0) }
    let eta = 0.05
    let gamma = 0.5
    let scaled = try MultiStateEntropyChange(
      policies: policies, weights: d, rewards: rs, rule: .policyGradient, learningRate: eta,
      scaling: .visitationWeighted(discount: gamma))
    let perState = try MultiStateEntropyChange(
      policies: policies, weights: d, rewards: rs, rule: .policyGradient, learningRate: eta, scaling: .perState)
    for s in 0..<states {
      // FD of the total objective with respect to z_s, times η/(1−γ).
      let grad = FiniteDifference.gradient(at: zs[s]) { zsNew in
        var j = 0.0
        for t in 0..<states {
          j += d[t] * zip(referenceSoftmax(t == s ? zsNew : zs[t]), rs[t]).map { $0 * $1 }.reduce(0, +)
        }
        return j
      }
      let step = grad.map { eta * $0 / (1 - gamma) }
      let expected = try entropyChange(of: policies[s], logitStep: step)
      #expect(abs(scaled.states[s].firstOrder - expected.firstOrder) <= 1e-10)
      #expect(abs(scaled.states[s].actual - expected.actual) <= 1e-10)
      // Per-state form: d(s)/(1−γ) dropped.
      let ratio = perState.states[s].firstOrder / scaled.states[s].firstOrder
      #expect(abs(ratio - (1 - gamma) / d[s]) <= 1e-9 * ratio)
    }
    let manual = zip(d, scaled.states).map { $0 * $1.firstOrder }.reduce(0, +)
    #expect(abs(scaled.firstOrder - manual) <= 1e-15)
    #expect(abs(scaled.actual - zip(d, scaled.states).map { $0 * $1.actual }.reduce(0, +)) <= 1e-15)
    // NPG with Kakade's Fisher: Δz_s = η A_s/(1−γ) regardless of d.
    let npg = try MultiStateEntropyChange(
      policies: policies, weights: d, rewards: rs, rule: .naturalPolicyGradient, learningRate: eta,
      scaling: .visitationWeighted(discount: gamma))
    for s in 0..<states {
      let a = try policies[s].advantages(rs[s])
      let c = try entropyChange(of: policies[s], logitStep: a.map { eta * $0 / (1 - gamma) })
      #expect(abs(npg.states[s].firstOrder - c.firstOrder) <= 1e-15)
    }
    #expect(throws: SoftmaxError.self) {
      try MultiStateEntropyChange(policies: policies, weights: [0.5, 0.5, 0.5, -0.5], rewards: rs, rule: .policyGradient, learningRate: 1, scaling: .perState)
    }
  }

  @Test func groupedTokenCovariance() throws {
    let logp = [-0.1, -0.5, -2.0, -0.3, -1.0, -0.2]
    let adv = [1.0, -1, 1, 0.5, -0.5, 2]
    let groups: [Int64] = [7, 7, 7, 9, 9, 9]
    let mask = [true, true, true, true, false, true]
    let cov = try TokenCovariance(logProbabilities: logp, advantages: adv, mask: mask, groupIDs: groups)
    // Group 7 by hand: means ℓ̄ = −0.8666…, Ā = 1/3.
    let l7 = (-0.1 - 0.5 - 2.0) / 3, a7 = 1.0 / 3
    #expect(abs(cov.centredProducts[0] - (-0.1 - l7) * (1 - a7)) < 1e-15)
    // Group 9 valid tokens 3 and 5: ℓ̄ = −0.25, Ā = 1.25.
    #expect(abs(cov.centredProducts[3] - (-0.3 + 0.25) * (0.5 - 1.25)) < 1e-15)
    #expect(cov.centredProducts[4] == 0)
    #expect(cov.validCount == 5)
    #expect(cov.groups[9]?.count == 2)
    let p3: Double = (-0.3 + 0.25) * (0.5 - 1.25)
    let p5: Double = (-0.2 + 0.25) * (2 - 1.25)
    #expect(abs(cov.groups[9]!.mean - (p3 + p5) / 2) < 1e-15)
    #expect(throws: SoftmaxError.self) { try TokenCovariance(logProbabilities: [1], advantages: [1], mask: [false]) }
    #expect(throws: SoftmaxError.self) { try TokenCovariance(logProbabilities: [.nan], advantages: [1]) }
  }
}
