// DeltaH — entropy change of softmax policies.

import RealModule
import _LogitKernelsC

/// Entropy change of one position between two checkpoints, and its first- and second-order
/// predictions (docs/theory.md#lemma-1, docs/theory.md#second-order, docs/theory.md#local-kl).
///
/// Rows a (before) and b (after) at temperature T; π = softmax(a/T), ℓ = log π, H_a = H(π),
/// Δ = (b − a)/T, w = π ⊙ (1 + ℓ + H_a):
///
///     firstOrder  = −Cov_π(ℓ, Δ) = −Σᵢ πᵢ (ℓᵢ + H_a) Δᵢ                         (= ∇Hᵀ Δ)
///     secondOrder = firstOrder + ½ ΔᵀHΔ,
///                   ½ ΔᵀHΔ = ½ [−Σᵢ wᵢ Δᵢ² + 2 (wᵀΔ)(πᵀΔ) − (πᵀΔ)²]             (H = ∇²H)
///     localKL     = ½ ΔᵀFΔ = ½ Var_π(Δ)                                         (F = Fisher)
///     exactKL     = KL(π_a ‖ π_b) = Σᵢ π_a,ᵢ (log π_a,ᵢ − log π_b,ᵢ)
///
/// All but the exact KL are invariant under Δ → Δ + c·1, which the kernel uses to work with
/// δ = Δ − κ for a per-row constant κ ≈ (max b − max a)/T, keeping δ small.
/// If either row holds a NaN or ±∞ element every `Double` field is NaN.
public struct LogitChangeStatistics: Sendable, Hashable {
  /// H_a, the entropy before (nats).
  public var entropyBefore: Double
  /// H_b, the entropy after (nats).
  public var entropyAfter: Double
  /// −Cov_π(log π, Δ): the first-order prediction of H_b − H_a.
  public var firstOrder: Double
  /// firstOrder + ½ ΔᵀHΔ: the second-order prediction of H_b − H_a.
  public var secondOrder: Double
  /// ½ Var_π(Δ), the second-order approximation of KL(π_a ‖ π_b).
  public var localKL: Double
  /// KL(π_a ‖ π_b).
  public var exactKL: Double
  /// Number of NaN/±∞ elements in the two rows together.
  public var nonFiniteCount: Int

  /// H_b − H_a, the actual change.
  ///
  /// - Complexity: O(1).
  public var entropyChange: Double { entropyAfter - entropyBefore }

  /// `true` when both rows were finite and the statistics are numbers.
  ///
  /// - Complexity: O(1).
  public var isFinite: Bool { nonFiniteCount == 0 }

  /// The value written for a position that a row mask excludes: neither row is read, every
  /// `Double` field is NaN and ``nonFiniteCount`` is 0.
  public static let skipped = LogitChangeStatistics(
    sums: lk_change_sums(
      max_before: .nan, max_after: .nan, a0: .nan, a1: .nan, b0: .nan, b1: .nan, m1: .nan, c1: .nan,
      m2: .nan, c2: .nan, delta_offset: .nan, phi: .nan, non_finite: 0))

  /// Combines the kernel accumulators in Double. With d = (a − Ma)/T, f = (b − Mb)/T,
  /// e = exp d, δ = f − d + o (o = `delta_offset`), Z_a = Σe, Z_b = Σ exp f and E[·] the
  /// π-expectation (Σ e·(·) / Z_a):
  ///
  ///     H_a = log Z_a − E[d],   H_b = log Z_b − Σ exp(f)·f / Z_b
  ///     μ = E[δ],  Cov(ℓ, δ) = E[dδ] − E[d] μ      (ℓ = d − log Z_a)
  ///     Σ w δ = μ + Cov(ℓ, δ),  Σ w δ² = E[δ²] + E[dδ²] − E[d] E[δ²]
  ///     KL = Σ π (ℓ_a − ℓ_b) = log E[e^δ] − μ = log1p(μ + E[φ(δ)]) − μ,   φ(t) = eᵗ − 1 − t
  ///
  /// (docs/theory.md#local-kl). The last form has no cancelling O(1) terms, so a small step's KL
  /// (≈ ½ Var_π(δ), orders below log Z) keeps its relative accuracy; it is used when
  /// E[e^δ] = 1 + μ + E[φ(δ)] does not itself cancel (μ ≥ −½). Otherwise (a step far from a
  /// constant shift by κ, where KL is not small) KL = log Z_b − log Z_a − (μ − o).
  init(sums s: lk_change_sums) {
    nonFiniteCount = Int(s.non_finite)
    guard s.non_finite == 0 else {
      entropyBefore = .nan
      entropyAfter = .nan
      firstOrder = .nan
      secondOrder = .nan
      localKL = .nan
      exactKL = .nan
      return
    }
    let logZa = Double.log(s.a0)
    let logZb = Double.log(s.b0)
    let meanD = s.a1 / s.a0
    let mean = s.m1 / s.a0
    let meanSquare = s.m2 / s.a0
    let covariance = s.c1 / s.a0 - meanD * mean
    let wDelta = mean + covariance
    let wDeltaSquare = meanSquare + (s.c2 / s.a0 - meanD * meanSquare)
    entropyBefore = logZa - meanD
    entropyAfter = logZb - s.b1 / s.b0
    firstOrder = -covariance
    secondOrder = firstOrder + 0.5 * (-wDeltaSquare + 2 * wDelta * mean - mean * mean)
    localKL = 0.5 * (meanSquare - mean * mean)
    let meanPhi = s.phi / s.a0
    exactKL =
      meanPhi.isFinite && mean >= -0.5
      ? Double.log(onePlus: mean + meanPhi) - mean : logZb - logZa - (mean - s.delta_offset)
  }
}
