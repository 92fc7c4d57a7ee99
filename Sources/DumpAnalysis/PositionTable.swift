// DeltaH — entropy change of softmax policies.

import LogitDumps
import RealModule

/// Per-position quantities of one dump (or one shard of it), one array element per position, in
/// the dump's flat row-major position order.
///
/// Arrays that need full logits are nil when the dump has none; arrays of optional inputs are nil
/// when the dump lacks them. Entries at invalid positions (mask = 0 or non-finite logits) are NaN
/// for computed quantities and are never counted in batch statistics.
public struct PositionTable: Sendable {
  /// Flat position indices (in the whole dump) of the positions held, ascending.
  public var positions: [Int]
  /// The dump's position shape, [N] or [B, T].
  public var positionShape: [Int]
  /// The temperature T the logits were divided by.
  public var temperature: Double
  /// mask = 1 and, with logits, a finite logit row.
  public var valid: [Bool]
  /// The sampled token at each position.
  public var tokenIDs: [Int64]?
  /// A_t.
  public var advantages: [Double]?
  /// Sequence index of each position (from `sequence_ids`, else the row b of a [B, T] dump, else 0).
  public var sequenceIDs: [Int64]
  /// Prompt group of each position (`group_ids`), when exported.
  public var groupIDs: [Int64]?

  /// H_t of softmax(z/T) from full logits; else the logged entropy; NaN when neither exists.
  public var entropy: [Double]
  /// Where ``entropy`` came from.
  public var entropySource: EntropySource
  /// log π(y_t) at temperature T from full logits; else `logprobs`; else `old_logprobs`.
  public var logProbability: [Double]?
  /// Σ_i π_i² (full logits only).
  public var sumSquaredProbabilities: [Double]?
  /// E_π[S] = Σ π_i²(log π_i + H) (full logits only).
  public var expectedDiscriminator: [Double]?
  /// S_k = π_k(log π_k + H) of the sampled token (full logits only).
  public var sampledDiscriminator: [Double]?
  /// Largest minus second-largest logit of z/T (full logits only).
  public var topTwoGap: [Double]?

  /// The trainer's logged entropy (`entropy`/`entropys`), when exported.
  public var loggedEntropy: [Double]?
  /// The trainer's logged current log-probabilities (`logprobs`), when exported.
  public var loggedLogProbability: [Double]?
  /// Old-policy log-probabilities (`old_logprobs`/`old_log_probs`), when exported.
  public var oldLogProbability: [Double]?
  /// Entropy lower/upper bounds and tail mass from top-k log-probabilities, when exported.
  public var topKBounds: TopKEntropyBounds?

  /// Number of valid (unmasked) positions whose logit row had NaN/±Inf elements; masked-out rows
  /// are never read.
  public var nonFiniteRows: Int
  /// The first few such positions (flat indices), for the report.
  public var nonFiniteExamples: [Int]

  /// Where the per-position entropy came from.
  public enum EntropySource: String, Sendable, Codable {
    case logits, logged, none
  }

  /// The number of positions held.
  ///
  /// - Complexity: O(1).
  public var count: Int { positions.count }

  /// The number of valid positions.
  ///
  /// - Complexity: O(N).
  public var validCount: Int { valid.lazy.filter { $0 }.count }
}

/// Entropy bounds at each position from the top-k true log-probabilities p_1..p_k (normalised over
/// the full vocabulary) with tail mass p_tail = 1 − Σ_j p_j (docs/theory.md#top-k-bounds):
///
///     lower = −Σ_j p_j ln p_j − p_tail ln p_tail              (tail on one token)
///     upper = −Σ_j p_j ln p_j − p_tail ln(p_tail / (V − k))   (tail spread evenly; needs V)
///
/// They bracket the true entropy; neither is an estimate of it.
public struct TopKEntropyBounds: Sendable {
  /// The lower bound per position.
  public var lower: [Double]
  /// The upper bound per position; nil when the vocabulary size is unknown.
  public var upper: [Double]?
  /// p_tail per position.
  public var tailMass: [Double]
  /// k.
  public var k: Int

  /// How far above 1 the top-k probabilities Σ_j exp(l_j) of a row may sum from the rounding of
  /// its stored log-probabilities l_j alone:
  ///
  ///     τ = max(10⁻⁴, 2·u·max(1, ln k))      u = 2⁻⁸ (BF16), 2⁻¹¹ (F16), 2⁻²⁴ (F32), 2⁻⁵³ (F64)
  ///
  /// A stored l̃_j = l_j(1 + δ_j), |δ_j| ≤ u, gives exp(l̃_j) ≤ p_j(1 + u|l_j| + O(u²)), so a true
  /// sub-distribution (Σ p_j ≤ 1) stores at most 1 + u·Σ_j p_j|l_j| ≤ 1 + u·max(1, ln k); the
  /// factor 2 covers the O(u²) term and the Double sum. The floor 10⁻⁴ is the error of a
  /// log-softmax computed in F32 (absolute error ≈ 2⁻²⁴ per unit of |z/T|, for logits up to
  /// |z/T| ≈ 10³) and then stored as F32 or widened to F64. BF16 with k = 20: τ = 0.0234; F16:
  /// 0.00293; F32 and F64: 10⁻⁴.
  ///
  /// - Complexity: O(1).
  public static func massTolerance(storedAs type: ElementType, k: Int) -> Double {
    let u: Double =
      switch type {
      case .bf16: 0x1p-8
      case .f16: 0x1p-11
      case .f32: 0x1p-24
      default: 0x1p-53
      }
    return Swift.max(1e-4, 2 * u * Swift.max(1, Double.log(Double(Swift.max(k, 1)))))
  }
}
