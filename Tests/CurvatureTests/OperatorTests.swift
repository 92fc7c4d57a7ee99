// DeltaH — entropy change of softmax policies.

import Curvature
import DenseLinearAlgebra
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Curvature operators, Fisher bound, natural gradient, block structure")
struct OperatorTests {
  @Test func productsMatchDenseMatrices() throws {
    var rng = SplitMix64(seed: 21)
    for k in [1, 2, 9, 60] {
      for scale in [0.3, 4.0, 30.0] {
        let policy = try SoftmaxPolicy(logits: rng.logits(count: k, scale: scale))
        let r = rng.logits(count: k, scale: 1)
        let v = rng.logits(count: k, scale: 1)
        let pairs: [(any SymmetricLinearOperator, Matrix)] = [
          (FisherOperator(policy: policy), policy.fisherMatrix()),
          (EntropyHessianOperator(policy: policy), policy.entropyHessian()),
          (try ExpectedRewardHessianOperator(policy: policy, rewards: r), try policy.expectedRewardHessian(r)),
        ]
        for (op, m) in pairs {
          // Same quantity by two code paths (O(K) product vs dense matrix): rounding only, a few
          // ulps of the largest term (entries are ≤ 1 in size, |v| ≲ 4).
          #expect(maxAbsoluteDifference(op.apply(v), m.multiplied(by: v)) <= 1e-14 * Double(k))
          #expect(maxAbsoluteDifference(op.materialised().elements, m.elements) <= 1e-15 * Double(k))
        }
      }
    }
  }

  @Test func fisherEigenvaluesNeverExceedOneHalf() throws {
    var rng = SplitMix64(seed: 31)
    var worst = 0.0
    for trial in 0..<300 {
      let k = 2 + trial % 40
      let scale = [0.1, 1, 3, 10][trial % 4]
      let policy = try SoftmaxPolicy(logits: rng.logits(count: k, scale: scale))
      let all = try denseEigenvalues(policy.fisherMatrix())
      let lanczos = try LanczosEigensolver().eigenpairs(of: FisherOperator(policy: policy), count: 1).eigenvalues[0]
      // λ_max ≤ ½ exactly; the computed values carry rounding of ~K·ε, hence the 1e-14 slack.
      #expect(all.last! <= 0.5 + 1e-14)
      #expect(lanczos <= 0.5 + 1e-14)
      #expect(all.first! >= -1e-14, "F is positive semi-definite")
      worst = max(worst, all.last!)
    }
    #expect(worst > 0.4, "random cases approach the bound")
    // Tight case: two equal probabilities give λ_max = (π₁ + π₂)/2 ⇒ exactly ½ for K = 2, and
    // ½(1 − tiny) with a third, negligible action.
    let two = try PositionCurvature(policy: SoftmaxPolicy(logits: [1.5, 1.5]), top: 1)
    #expect(abs(two.fisherLargestEigenvalue - 0.5) < 1e-15)
    let three = try SoftmaxPolicy(logits: [4, 4, -40])
    let l3 = try LanczosEigensolver().eigenpairs(of: FisherOperator(policy: three), count: 1).eigenvalues[0]
    #expect(abs(l3 - three.probabilities[0]) < 1e-15 && l3 <= 0.5)
  }

  @Test func fisherTraceAndPositionSummary() throws {
    var rng = SplitMix64(seed: 41)
    for k in [3, 50, 700] {
      let policy = try SoftmaxPolicy(logits: rng.logits(count: k, scale: 2.5))
      let trace = PositionCurvature.fisherTrace(policy)
      let sumSquares = policy.probabilities.map { $0 * $0 }.reduce(0, +)
      #expect(abs(trace - (1 - sumSquares)) < 1e-14)
      let dense = try PositionCurvature(policy: policy, top: 3, denseLimit: 10_000)
      let lanczos = try PositionCurvature(policy: policy, top: 3, denseLimit: 0)
      #expect(dense.method == .dense && lanczos.method == .lanczos)
      let scaleH = abs(dense.entropyHessianEigenvalues[0])
      #expect(maxAbsoluteDifference(dense.fisherEigenvalues, lanczos.fisherEigenvalues) <= 1e-9 * 0.5)
      #expect(maxAbsoluteDifference(dense.entropyHessianEigenvalues, lanczos.entropyHessianEigenvalues) <= 1e-9 * scaleH)
      #expect(dense.fisherLargestEigenvalue <= min(0.5, trace) + 1e-15)
      #expect(dense.fisherEigenvalues == dense.fisherEigenvalues.sorted(by: >))
      let mags = dense.entropyHessianEigenvalues.map(abs)
      #expect(mags == mags.sorted(by: >))
    }
    // Nearly deterministic: tr F ≈ 1 − π_top ≈ 2e-20 must not round to 0 (1 − Σπ² would).
    let sharp = try SoftmaxPolicy(logits: [0, -45, -46])
    let t = PositionCurvature.fisherTrace(sharp)
    let expected = 2 * (sharp.probabilities[1] + sharp.probabilities[2])  // 2(1 − π₀) to first order
    #expect(abs(t - expected) <= 1e-12 * expected)
    #expect(throws: CurvatureError.self) { try PositionCurvature(policy: sharp, top: 4) }
  }

  @Test func minimumNormNaturalGradient() throws {
    var rng = SplitMix64(seed: 51)
    for k in [2, 7, 40] {
      let policy = try SoftmaxPolicy(logits: rng.logits(count: k, scale: 2))
      let r = rng.logits(count: k, scale: 1)
      let x = try NaturalGradient.minimumNorm(policy: policy, rewards: r)
      let g = try policy.expectedRewardGradient(r)
      let fx = FisherOperator(policy: policy).apply(x)
      // F x = ∇J to rounding (entries of ∇J are ≤ 1, K terms).
      #expect(maxAbsoluteDifference(fx, g) <= 1e-15 * Double(k) * 4)
      #expect(abs(x.reduce(0, +)) <= 1e-14 * Double(k), "orthogonal to 1")
      let mean = r.reduce(0, +) / Double(k)
      #expect(maxAbsoluteDifference(x, r.map { $0 - mean }) <= 1e-15 * 4)
      // The general path from ∇J, and the pseudo-inverse from the dense eigendecomposition.
      let fromGradient = try NaturalGradient.minimumNorm(policy: policy, gradient: g)
      #expect(maxAbsoluteDifference(fromGradient, x) <= 1e-12)
      let eig = try SymmetricEigendecomposition(policy.fisherMatrix(), computeEigenvectors: true)
      var pinv = [Double](repeating: 0, count: k)
      for (j, lambda) in eig.eigenvalues.enumerated() where lambda > 1e-12 {
        let v = (0..<k).map { eig.eigenvectors![$0, j] }
        let c = zip(v, g).map { $0 * $1 }.reduce(0, +) / lambda
        for i in 0..<k { pinv[i] += c * v[i] }
      }
      // Pseudo-inverse through eigenvalues as small as ~π_min: error ~ε/λ_min.
      let lambdaMin = eig.eigenvalues.filter { $0 > 1e-12 }.min()!
      #expect(maxAbsoluteDifference(pinv, x) <= 1e-14 / lambdaMin)
    }
    let policy = try SoftmaxPolicy(logits: [1, 0])
    #expect(throws: CurvatureError.self) { try NaturalGradient.minimumNorm(policy: policy, gradient: [1, 0]) }
    #expect(throws: CurvatureError.self) { try NaturalGradient.minimumNorm(policy: policy, rewards: [1, .nan]) }
  }

  @Test func tabularBlockStructure() throws {
    var rng = SplitMix64(seed: 61)
    let sizes = [3, 5, 4]
    let policies = try sizes.map { try SoftmaxPolicy(logits: rng.logits(count: $0, scale: 1.5)) }
    let d = [0.5, 0.3, 0.2]
    let op = try BlockDiagonalOperator.tabularFisher(policies: policies, stateWeights: d)
    #expect(op.dimension == 12)
    // Spectrum = union over states of d(s)·eig(F_s).
    var union: [Double] = []
    for (p, w) in zip(policies, d) { union += try denseEigenvalues(p.fisherMatrix()).map { w * $0 } }
    union.sort()
    let all = try denseEigenvalues(op.materialised())
    #expect(maxAbsoluteDifference(all, union) < 1e-15 * 10)
    let top = try LanczosEigensolver().eigenpairs(of: op, count: 4, selection: .largest).eigenvalues
    #expect(maxAbsoluteDifference(top, Array(union.reversed().prefix(4))) < 1e-9 * union.last!)
    // Natural gradient per block: F x = ∇J with ∇J_s = d(s) π_s ⊙ A_s, x_s ⊥ 1.
    let rewards = sizes.map { rng.logits(count: $0, scale: 1) }
    let x = try NaturalGradient.minimumNorm(policies: policies, rewards: rewards, stateWeights: d)
    let fx = op.apply(x.flatMap { $0 })
    var gradient: [Double] = []
    for s in 0..<3 { gradient += try policies[s].expectedRewardGradient(rewards[s]).map { d[s] * $0 } }
    #expect(maxAbsoluteDifference(fx, gradient) < 1e-15 * 8)
    for xs in x { #expect(abs(xs.reduce(0, +)) < 1e-14) }
    // A state with zero weight contributes a zero block and a zero natural gradient.
    let x0 = try NaturalGradient.minimumNorm(policies: policies, rewards: rewards, stateWeights: [1, 0, 0])
    #expect(x0[1].allSatisfy { $0 == 0 } && x0[2].allSatisfy { $0 == 0 })
    #expect(throws: CurvatureError.self) { try BlockDiagonalOperator.tabularFisher(policies: policies, stateWeights: [1, -1, 0]) }
  }

  @Test func localKLIsQuadraticToFirstOrder() throws {
    var rng = SplitMix64(seed: 71)
    let z = rng.logits(count: 30, scale: 2)
    let direction = rng.logits(count: 30, scale: 1)
    let policy = try SoftmaxPolicy(logits: z, temperature: 1.3)
    var errors: [Double] = []
    let eps = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4]
    for e in eps {
      let after = try SoftmaxPolicy(logits: zip(z, direction).map { $0 + e * $1 }, temperature: 1.3)
      let c = try StepCurvature(from: policy, to: after)
      // Exact KL against the definition Σ π (log π − log π′) from the test's reference softmax
      // (cancellation there costs ~ε/KL relative, fine at these sizes).
      let lp = referenceLogSoftmax(z, temperature: 1.3)
      let lq = referenceLogSoftmax(after.logits, temperature: 1.3)
      let direct = zip(lp, lq).map { Double.exp($0) * ($0 - $1) }.reduce(0, +)
      #expect(abs(c.exactKL - direct) <= 1e-13 + 1e-6 * direct * (e < 1e-2 ? 1 : 0) + 1e-12 * direct)
      // ½ΔᵀFΔ by the Fisher operator.
      let fd = FisherOperator(policy: policy).apply(c.step)
      #expect(abs(c.localKL - 0.5 * zip(c.step, fd).map { $0 * $1 }.reduce(0, +)) <= 1e-14 * c.localKL + 1e-300)
      errors.append(abs(c.localKLRelativeError))
      // Second-order entropy term against a symmetric difference of the reference entropy (error O(e²)).
      let h0 = referenceEntropy(z, temperature: 1.3)
      let hp = referenceEntropy(after.logits, temperature: 1.3)
      let hm = referenceEntropy(zip(z, direction).map { $0 - e * $1 }, temperature: 1.3)
      if e >= 1e-3 {
        #expect(abs((hp + hm - 2 * h0) / 2 - c.entropySecondOrderTerm) <= 1e-2 * e * e + 1e-14)
      }
    }
    // Relative error O(ε): log-log slope ≈ 1 (it is exactly the cubic term / quadratic term).
    let slope = logLogSlope(eps, errors)
    #expect(abs(slope - 1) < 0.05, "slope \(slope), errors \(errors)")
    #expect(errors.last! < 1e-3)
  }
}
