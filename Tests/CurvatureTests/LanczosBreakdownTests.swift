// DeltaH — entropy change of softmax policies.

import Curvature
import SoftmaxEntropy
import Testing

/// Lanczos on operators with few distinct eigenvalues: a uniform policy (F = (I − 11ᵀ/K)/K, one
/// eigenvalue 1/K of multiplicity K − 1) and a peak over a flat tail break down at every step.
/// The solver used to restart forever without testing convergence and failed after 300 steps
/// ("Lanczos did not converge … residual inf"), so `deltah curvature` failed for K > 512.
@Suite("Lanczos with repeated eigenvalues")
struct LanczosBreakdownTests {
  /// Dense dsyevd on the same policy is the reference; both are exact up to rounding of O(1/K)
  /// eigenvalues, so 1e-12 absolute (Lanczos's acceptance is 1e-10·‖A‖ on residuals; at a
  /// breakdown the residuals are ≲ 1e-12·‖A‖).
  @Test(arguments: [[Double](repeating: 0, count: 600), [30] + [Double](repeating: 0, count: 599), [2, 2] + [Double](repeating: -1, count: 598)])
  func matchesTheDenseSpectrum(logits: [Double]) throws {
    let policy = try SoftmaxPolicy(logits: logits)
    let lanczos = try PositionCurvature(policy: policy, top: 3, denseLimit: 0)
    let dense = try PositionCurvature(policy: policy, top: 3, denseLimit: 1_000)
    #expect(lanczos.method == .lanczos && dense.method == .dense)
    for (a, b) in zip(lanczos.fisherEigenvalues, dense.fisherEigenvalues) { #expect(abs(a - b) < 1e-12, "\(lanczos.fisherEigenvalues) vs \(dense.fisherEigenvalues)") }
    for (a, b) in zip(lanczos.entropyHessianEigenvalues, dense.entropyHessianEigenvalues) {
      #expect(abs(a - b) < 1e-12, "\(lanczos.entropyHessianEigenvalues) vs \(dense.entropyHessianEigenvalues)")
    }
  }

  @Test func uniformPolicyClosedForm() throws {
    let k = 600.0
    let policy = try SoftmaxPolicy(logits: [Double](repeating: 0, count: 600))
    let c = try PositionCurvature(policy: policy, top: 4, denseLimit: 0)
    // F = (I − 11ᵀ/K)/K and ∇²H = −(I − 11ᵀ/K)/K at the uniform policy (u = 0, w = π).
    for l in c.fisherEigenvalues { #expect(abs(l - 1 / k) < 1e-15) }
    for l in c.entropyHessianEigenvalues { #expect(abs(l + 1 / k) < 1e-15) }
  }

  /// A policy with π_top = 1 − 600·e^(−700): its Fisher matrix has norm ~6e-302, and the Lanczos norm
  /// estimate √(α² + β²) underflowed to 0, so the solver answered "A = 0" (every eigenvalue 0)
  /// where dense dsyevd gives 5.9e-302 and 9.9e-305. Relative 1e-9 of the dense values.
  @Test func tinyOperatorIsNotTakenForZero() throws {
    let policy = try SoftmaxPolicy(logits: [700] + [Double](repeating: 0, count: 600))
    let lanczos = try PositionCurvature(policy: policy, top: 2, denseLimit: 0)
    let dense = try PositionCurvature(policy: policy, top: 2, denseLimit: 1_000)
    #expect(dense.fisherEigenvalues[0] > 1e-302)
    for (a, b) in zip(lanczos.fisherEigenvalues, dense.fisherEigenvalues) { #expect(abs(a - b) <= 1e-9 * b, "\(a) vs \(b)") }
    for (a, b) in zip(lanczos.entropyHessianEigenvalues, dense.entropyHessianEigenvalues) {
      #expect(abs(a - b) <= 1e-9 * abs(b), "\(a) vs \(b)")
    }
  }
}
