// DeltaH — entropy change of softmax policies.

import RealModule
import _LogitKernelsC

/// The statistics of one logit row delivered in pieces, for rows too large to hold in memory at
/// once (a DEFLATE member with 2²⁸ logits in one row is inflated piece by piece).
///
/// Each piece is reduced by the same kernel as whole rows (`lk_row_sums`: M = max z,
/// S0 = Σe, S1 = Σe·d, S2 = Σe², S3 = Σe²·d with d = (z − M)/T and e = exp d), and the running
/// sums are rescaled to the larger maximum when a piece raises it: with Δ = (m − M)/T ≤ 0 and
/// r = e^Δ for the side whose maximum m is smaller,
///
///     S0 ← r·S0,  S1 ← r·(S1 + Δ·S0),  S2 ← r²·S2,  S3 ← r²·(S3 + Δ·S2),
///
/// which is exact algebra (d of every element shifts by Δ); the result equals the whole-row
/// statistics up to summation order (relative 1e-12 in the tests). The second-largest logit is
/// the larger of the smaller maximum and both seconds (multiplicity kept). A non-finite element
/// anywhere makes the row non-finite, as for whole rows.
///
/// - Complexity: O(piece) per ``add(_:count:offset:)``; O(1) memory.
public struct LogitRowAccumulator: Sendable {
  private let elementType: LogitElementType
  private let temperature: Double
  private let sampledToken: Int64?
  private let vocabularySize: Int
  private var sums: lk_row_sums?
  private var nonFinite: Int64 = 0
  private var sampledLogit: Double?
  private var received = 0

  /// An empty accumulator for a row of `vocabularySize` logits at temperature T > 0, with the
  /// sampled token `sampledToken` (nil: none).
  ///
  /// - Precondition: `vocabularySize` ≥ 1 and T finite and > 0.
  /// - Complexity: O(1).
  public init(vocabularySize: Int, elementType: LogitElementType, temperature: Double, sampledToken: Int64?) {
    precondition(vocabularySize >= 1 && temperature.isFinite && temperature > 0, "invalid row layout")
    self.vocabularySize = vocabularySize
    self.elementType = elementType
    self.temperature = temperature
    self.sampledToken = sampledToken
  }

  /// Adds `count` elements starting at element `offset` of the row (pieces in any order, each
  /// element exactly once; only the total count is checked). A piece with a non-finite element is
  /// counted but not summed (the row then reads as non-finite). When e^Δ underflows to 0 the
  /// smaller-maximum side's sums are dropped, which is their value in Double.
  ///
  /// - Precondition: 0 ≤ offset, count ≥ 0 and offset + count ≤ `vocabularySize`.
  /// - Complexity: O(count).
  public mutating func add(_ piece: UnsafeRawPointer, count: Int, offset: Int) {
    precondition(count >= 0 && offset >= 0 && offset + count <= vocabularySize, "piece outside the row")
    guard count > 0 else { return }
    received += count
    if let k = sampledToken, k >= offset, k < offset + count {
      sampledLogit = lk_load_element(piece, elementType.code, Int64(k) - Int64(offset))
    }
    var p = lk_row_sums()
    lk_row_sums_compute(piece, elementType.code, Int64(count), 1 / temperature, LogitKernelPath.preferred.code, &p)
    nonFinite += p.non_finite
    guard p.non_finite == 0 else { return }
    guard var s = sums else {
      sums = p
      return
    }
    let (low, high) = s.max_logit >= p.max_logit ? (p, s) : (s, p)
    let delta = (low.max_logit - high.max_logit) / temperature
    let r = Double.exp(delta)
    let (l0, l1, l2, l3) = r == 0 ? (0.0, 0.0, 0.0, 0.0) : (r * low.s0, r * (low.s1 + delta * low.s0), r * r * low.s2, r * r * (low.s3 + delta * low.s2))
    s.s0 = high.s0 + l0
    s.s1 = high.s1 + l1
    s.s2 = high.s2 + l2
    s.s3 = high.s3 + l3
    s.second_logit = max(low.max_logit, high.second_logit, low.second_logit)
    s.max_logit = high.max_logit
    sums = s
  }

  /// The row's statistics (as ``computeRowStatistics(rows:elementType:rowCount:vocabularySize:rowStride:temperature:sampledTokens:rowMask:into:threads:kernel:rowsCompleted:)``
  /// gives for the whole row).
  ///
  /// A row with a non-finite element gets NaN sums and its non-finite count; a sampled token
  /// outside [0, V) gives no sampled logit and sets `sampledTokenOutOfRange`.
  ///
  /// - Precondition: every element was added.
  /// - Complexity: O(1).
  public func statistics() -> LogitRowStatistics {
    precondition(received == vocabularySize, "\(received) of \(vocabularySize) elements were added")
    var s = sums ?? lk_row_sums()
    s.non_finite = nonFinite
    if nonFinite > 0 { s.s0 = .nan; s.s1 = .nan; s.s2 = .nan; s.s3 = .nan }
    let outOfRange = sampledToken.map { $0 < 0 || $0 >= Int64(vocabularySize) } ?? false
    return LogitRowStatistics(
      sums: s, temperature: temperature, sampledLogit: outOfRange ? nil : sampledLogit,
      sampledTokenOutOfRange: outOfRange)
  }
}
