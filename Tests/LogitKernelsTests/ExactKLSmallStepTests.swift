// DeltaH — entropy change of softmax policies.

import Foundation
import LogitKernels
import Testing
import _TestSupport

/// KL(π_a ‖ π_b) of a small logit step, where KL ≈ ½ Var_π(Δ) is many orders below log Z.
///
/// Regression: the kernels formed the exact KL as log Z_b − log Z_a − E_π[Δ], a difference of
/// O(1) numbers. On the AVX2 path each log Z carries the ≈ 1e-7 relative rounding of the float
/// lanes, so at Δ ~ 1e-4 (KL ≈ 5e-9) `deltah compare` printed exact KLs off by 100–500 % and
/// negative (−7.9e-9 where the true value is +5.0e-9). The kernels now also accumulate
/// Σ e_a·φ(δ), φ(t) = eᵗ − 1 − t, and KL = log1p(E_π[δ] + E_π[φ(δ)]) − E_π[δ]
/// (docs/theory.md#local-kl), where no O(1) terms cancel.
@Suite("Exact KL of small steps")
struct ExactKLSmallStepTests {
  /// KL(π_a‖π_b) in float64 by the cancellation-free definition: log1p(Σ πᵢ φ(Δᵢ − E_π Δ)).
  static func referenceKL(_ a: [Double], _ b: [Double], temperature t: Double) -> Double {
    let p = referenceLogProbabilities(a, temperature: t).map { exp($0) }
    let delta = zip(a, b).map { ($1 - $0) / t }
    var mean = 0.0
    for i in p.indices { mean += p[i] * delta[i] }
    var sum = 0.0
    for i in p.indices {
      let x = delta[i] - mean
      // φ(x) = x²(1/2 + x/6 + x²/24 + …): Taylor below 0.1 (terms to x¹⁰, truncation < 1e-17), else expm1.
      var phi: Double
      if abs(x) < 0.1 {
        var term = 0.5, series = 0.0
        for n in 0..<11 {
          series += term
          term *= x / Double(n + 3)
        }
        phi = x * x * series
      } else {
        phi = expm1(x) - x
      }
      sum += p[i] * phi
    }
    return log1p(sum)
  }

  /// Steps of relative size 1e-4 and 1e-3 on F32 and BF16 rows (V = 32,000, logit scale 2):
  /// KL ≈ 5e-9 … 5e-7. Tolerance: 1e-3 relative on the AVX2 path, from the rounding of δ itself
  /// (d and f are rounded to float before δ = f − d is formed, ≈ 5e-7 absolute at |d| ≈ 8 against
  /// Δ ≈ 2e-4, which enters KL ≈ ½Var(δ) through Cov(δ, rounding) averaged over the tokens);
  /// 1e-6 on the double path.
  @Test("is positive and accurate on both paths", arguments: [LogitElementType.float32, .bfloat16])
  func smallStepKL(type: LogitElementType) {
    var rng = SplitMix64(seed: 2024)
    for (epsilon, t) in [(1e-4, 1.0), (1e-3, 1.0), (1e-4, 0.7)] {
      let before = gaussianRows(count: 3, vocabularySize: 32_000, scale: 2, peak: 0, seed: 77)
      let after = before.map { row in row.map { $0 + epsilon * 2 * rng.normal() } }
      let ea = EncodedRows(before, as: type)
      let eb = EncodedRows(after, as: type)
      for path in testedPaths {
        let stats = changeStatistics(ea, eb, temperature: t, kernel: path)
        let avx = path.effective(for: type) == .avx2
        for r in 0..<3 {
          let want = Self.referenceKL(ea.decoded[r], eb.decoded[r], temperature: t)
          let got = stats[r].exactKL
          let label = "\(type) \(path) ε=\(epsilon) T=\(t) row \(r): \(got) vs \(want)"
          if want > 0 && eb.decoded[r] != ea.decoded[r] {
            #expect(got > 0, "\(label)")
          }
          #expect(abs(got - want) <= (avx ? 1e-3 : 1e-6) * want, "\(label)")
        }
      }
    }
  }
}
