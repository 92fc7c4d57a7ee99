// DeltaH — entropy change of softmax policies.

import DenseLinearAlgebra
import SoftmaxEntropy
import Testing
import _TestSupport

/// Every closed form against Richardson central differences of H, J or π on random logits
/// (K from 1 to 200, logit scales up to 20). Requirement: relative error ≤ 1e-7, measured as
/// max|closed − FD| / max|FD-expected| (the error relative to the vector's size; componentwise
/// relative error is meaningless for components that underflow to ~e^-40).
/// The FD error itself is ≲ 1e-11 relative with h = 1e-3 / scale (see FiniteDifference).
@Suite("Closed forms vs finite differences")
struct FiniteDifferenceTests {
  static let cases: [(k: Int, scale: Double, seed: UInt64)] = {
    var rng = SplitMix64(seed: 20_251_123)
    let sizes = [1, 2, 3, 5, 10, 40, 200]
    let scales = [0.1, 1, 3, 8, 20]
    var out: [(Int, Double, UInt64)] = []
    for k in sizes { for s in scales { for _ in 0..<(k == 200 ? 2 : 7) { out.append((k, s, rng.next())) } } }
    return out  // 6·5·7 + 5·2 = 220 cases
  }()
  static let tolerance = 1e-7

  static func policy(_ c: (k: Int, scale: Double, seed: UInt64)) -> (z: [Double], p: SoftmaxPolicy) {
    var rng = SplitMix64(seed: c.seed)
    let z = rng.logits(count: c.k, scale: c.scale)
    return (z, try! SoftmaxPolicy(logits: z))
  }

  /// FD step: small against the logit scale so the Taylor remainder stays tiny, large enough to
  /// keep rounding (ε·|H|/h) below 1e-11.
  static func step(_ scale: Double) -> Double { 1e-3 / max(1, scale / 4) }

  @Test func casesAreHundreds() { #expect(Self.cases.count >= 200) }

  @Test func entropyGradient() throws {
    for c in Self.cases {
      let (z, p) = Self.policy(c)
      let fd = FiniteDifference.gradient(at: z, step: Self.step(c.scale)) { referenceEntropy($0) }
      if c.k == 1 {
        #expect(p.entropyGradient == [0])
        continue
      }
      let err = normRelativeError(p.entropyGradient, fd, floor: 1e-12)
      #expect(err <= Self.tolerance, "K=\(c.k) scale=\(c.scale): relative error \(err)")
    }
  }

  @Test func entropyHessian() throws {
    for c in Self.cases where c.k <= 40 {
      let (z, p) = Self.policy(c)
      let fd = FiniteDifference.jacobian(at: z, step: Self.step(c.scale)) { try! SoftmaxPolicy(logits: $0).entropyGradient }
      let h = p.entropyHessian()
      let err = normRelativeError(h.elements, fd.flatMap { $0 }, floor: 1e-12)
      #expect(err <= Self.tolerance, "K=\(c.k) scale=\(c.scale): relative error \(err)")
    }
  }

  @Test func entropyHessianVectorProduct() throws {
    var rng = SplitMix64(seed: 7)
    for c in Self.cases {
      let (z, p) = Self.policy(c)
      let v = rng.logits(count: c.k, scale: 1)
      // Identity with the dense matrix (exact up to rounding: 1e-12 relative).
      let dense = p.entropyHessian().multiplied(by: v)
      let hvp = p.entropyHessianVectorProduct(v)
      #expect(normRelativeError(hvp, dense, floor: 1e-300) <= 1e-12 || maxAbsoluteDifference(hvp, dense) < 1e-15)
      // Directional derivative of the gradient along v.
      let fd = FiniteDifference.jacobian(at: [0], step: Self.step(c.scale)) { t in
        try! SoftmaxPolicy(logits: zip(z, v).map { $0 + t[0] * $1 }).entropyGradient
      }.map { $0[0] }
      let herr = normRelativeError(hvp, fd, floor: 1e-12)
      #expect(herr <= Self.tolerance, "K=\(c.k) scale=\(c.scale): relative error \(herr)")
      // Second-order term ½ vᵀ∇²H v against the symmetric second difference of H (O(h²) error).
      let h = 1e-3 / max(1, c.scale)
      let second = (referenceEntropy(zip(z, v).map { $0 + h * $1 }) + referenceEntropy(zip(z, v).map { $0 - h * $1 }) - 2 * referenceEntropy(z)) / (2 * h * h)
      let term = p.entropySecondOrderTerm(v)
      #expect(abs(term - second) <= 1e-5 * max(1, abs(second)), "K=\(c.k) scale=\(c.scale): \(term) vs \(second)")
    }
  }

  @Test func fisherIsSoftmaxJacobian() throws {
    var rng = SplitMix64(seed: 11)
    for c in Self.cases where c.k <= 40 {
      let (z, p) = Self.policy(c)
      let fd = FiniteDifference.jacobian(at: z, step: Self.step(c.scale)) { referenceSoftmaxMinusTop($0) }
      let ferr = normRelativeError(p.fisherMatrix().elements, fd.flatMap { $0 }, floor: 1e-12)
      #expect(ferr <= Self.tolerance, "K=\(c.k) scale=\(c.scale): relative error \(ferr)")
      let v = rng.logits(count: c.k, scale: 1)
      let dense = p.fisherMatrix().multiplied(by: v)
      #expect(maxAbsoluteDifference(p.fisherVectorProduct(v), dense) <= 1e-14)
      // vᵀFv = Var_π(v), computed here by brute force from the definition.
      let pr = referenceSoftmax(z)
      let mean = zip(pr, v).map { $0 * $1 }.reduce(0, +)
      let variance = zip(pr, v).map { $0 * ($1 - mean) * ($1 - mean) }.reduce(0, +)
      #expect(abs(p.variance(v) - variance) <= 1e-13 * max(1, variance))
    }
  }

  @Test func expectedRewardDerivatives() throws {
    var rng = SplitMix64(seed: 13)
    for c in Self.cases where c.k <= 40 {
      let (z, p) = Self.policy(c)
      let r = (0..<c.k).map { _ in Double.random(in: -1...1, using: &rng) }
      func j(_ x: [Double], _ rr: [Double] = r) -> Double { zip(referenceSoftmax(x), rr).map { $0 * $1 }.reduce(0, +) }
      let grad = try p.expectedRewardGradient(r)
      // J and J − r_top have the same gradient. Differencing the shifted one keeps the FD rounding
      // (ε|J|/h) proportional to the gradient even for a nearly deterministic policy, where ∇J ~ e^-40.
      let top = z.indices.max { z[$0] < z[$1] }!
      let shifted = r.map { $0 - r[top] }
      let fdGrad = FiniteDifference.gradient(at: z, step: Self.step(c.scale)) { j($0, shifted) }
      #expect(normRelativeError(grad, fdGrad, floor: 1e-12) <= Self.tolerance)
      let hess = try p.expectedRewardHessian(r)
      let fdHess = FiniteDifference.jacobian(at: z, step: Self.step(c.scale)) { try! SoftmaxPolicy(logits: $0).expectedRewardGradient(shifted) }
      #expect(normRelativeError(hess.elements, fdHess.flatMap { $0 }, floor: 1e-12) <= Self.tolerance)
      let v = rng.logits(count: c.k, scale: 1)
      #expect(maxAbsoluteDifference(try p.expectedRewardHessianVectorProduct(r, v), hess.multiplied(by: v)) <= 1e-14)
      #expect(abs(try p.expectedReward(r) - j(z)) <= 1e-14)
    }
  }

  @Test func temperatureDerivative() throws {
    for c in Self.cases where c.k > 1 {
      let (z, _) = Self.policy(c)
      for t in [0.5, 1.0, 2.0] {
        let p = try SoftmaxPolicy(logits: z, temperature: t)
        let fd = FiniteDifference.derivative(step: 1e-3 * t) { referenceEntropy(z, temperature: t + $0) }
        let err = abs(p.entropyTemperatureDerivative - fd) / max(abs(fd), 1e-12)
        #expect(err <= Self.tolerance || abs(p.entropyTemperatureDerivative - fd) < 1e-12, "K=\(c.k) scale=\(c.scale) T=\(t): \(p.entropyTemperatureDerivative) vs \(fd)")
        #expect(p.entropyTemperatureDerivative >= 0)
      }
    }
  }
}
