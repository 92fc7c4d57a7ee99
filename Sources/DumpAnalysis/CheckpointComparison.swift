// DeltaH — entropy change of softmax policies.

import LogitDumps
import LogitKernels
import Synchronization
import RealModule
import SoftmaxEntropy

/// The same positions under two checkpoints: the actual entropy change against its first- and
/// second-order predictions (Cui et al. Lemma 1), per position and summarised.
///
/// Per valid position, with π = softmax(z_before/T) and Δx = (z_after − z_before)/T:
///
///     actual        = H(softmax(z_after/T)) − H(π)
///     first order   = −Cov_π(log π, Δx)
///     second order  = first order + ½ Δxᵀ(∇²H)Δx
///     local KL      = ½ ΔxᵀFΔx = ½ Var_π(Δx),   exact KL(π_before ‖ π_after)
public struct CheckpointComparison: Sendable {
  /// Flat position indices.
  public let positions: [Int]
  /// mask = 1 (from the `before` dump, else `after`) and finite logits in both rows.
  public let valid: [Bool]
  /// Per position (NaN where invalid).
  public let deltaActual: [Double]
  public let deltaFirstOrder: [Double]
  public let deltaSecondOrder: [Double]
  public let localKL: [Double]
  public let exactKL: [Double]
  /// The batch summary.
  public internal(set) var summary: Summary
  /// The position shape of the dumps.
  public let positionShape: [Int]

  /// Summary statistics over valid positions.
  public struct Summary: Sendable, Codable {
    public var before: String
    public var after: String
    public var temperature: Double
    /// Where T came from: "flag" (given), "metadata" (the before dump's) or "default" (1, with a
    /// warning); nil in JSON written before it was recorded.
    public var temperatureSource: String? = nil
    public var tokens: Int
    /// Pearson correlation of the predictions with the actual ΔH (nil when either is constant).
    public var pearsonFirstOrder: Double?
    public var pearsonSecondOrder: Double?
    /// √(mean (prediction − actual)²).
    public var rmseFirstOrder: Double
    public var rmseSecondOrder: Double
    /// Share of positions where sign(first order) = sign(actual).
    public var signAgreement: Double
    /// Token means of the actual and predicted changes.
    public var meanDeltaActual: Double
    public var meanDeltaFirstOrder: Double
    public var meanDeltaSecondOrder: Double
    /// Token means of ½ΔxᵀFΔx and of the exact KL.
    public var meanLocalKL: Double
    public var meanExactKL: Double
    /// Positions with NaN/Inf logits in either dump.
    public var nonFiniteRows: Int
    /// Things the user should know (tensors outside the contract, …); nil in older JSON.
    public var warnings: [String]? = nil

    /// The JSON keys (snake_case, as `deltah compare --json` writes them); documented with the
    /// properties above.
    public enum CodingKeys: String, CodingKey {
      case before, after, temperature, tokens, warnings
      case temperatureSource = "temperature_source"
      case pearsonFirstOrder = "pearson_first_order"
      case pearsonSecondOrder = "pearson_second_order"
      case rmseFirstOrder = "rmse_first_order"
      case rmseSecondOrder = "rmse_second_order"
      case signAgreement = "sign_agreement"
      case meanDeltaActual = "mean_delta_actual"
      case meanDeltaFirstOrder = "mean_delta_first_order"
      case meanDeltaSecondOrder = "mean_delta_second_order"
      case meanLocalKL = "mean_local_kl"
      case meanExactKL = "mean_exact_kl"
      case nonFiniteRows = "non_finite_rows"
    }
  }

  /// Compares two dumps of the same positions (all of them, or the flat positions `range` of a
  /// shard, whose per-position arrays then hold only those positions).
  ///
  /// - Throws: ``DumpError`` when a dump has no logits, the logit shapes differ, T or 1/T is not
  ///   finite, `range` is outside the dump's positions, or both dumps store logits DEFLATE-compressed (one must be random-access to pair
  ///   rows; both, when their element types differ).
  /// - Complexity: O(N · V), two exponentials per element; memory O(chunk + N).
  public init(
    before: LogitDump, after: LogitDump, temperature: Double, range: Range<Int>? = nil,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(DumpError) {
    guard let a = before[.logits] else { throw DumpError(file: before.path, tensor: "logits", problem: "compare needs full logits") }
    guard let b = after[.logits] else { throw DumpError(file: after.path, tensor: "logits", problem: "compare needs full logits") }
    guard a.shape == b.shape else {
      throw DumpError(file: after.path, tensor: "logits", problem: "shape \(b.shape) differs from \(a.shape) in \(before.path); compare needs the same positions and vocabulary")
    }
    guard temperature.isFinite, temperature > 0, (1 / temperature).isFinite else {
      throw DumpError(file: before.path, problem: "temperature \(temperature) is invalid; it must be a finite number > 0")
    }
    let elementType = try LogitElementType(logits: a)
    _ = try LogitElementType(logits: b)  // any pair of float types; mixed pairs decode to F64
    let n = before.positionCount
    if let range, range.lowerBound < 0 || range.upperBound > n {
      throw DumpError(file: before.path, problem: "the position range \(range) is outside the dump's \(n) positions (0..<\(n))")
    }
    try PositionTable.requireMemory(dump: before, positions: n)
    let maskTensor = before[.mask] ?? after[.mask]
    var valid = try maskTensor?.bools() ?? Array(repeating: true, count: n)
    if let range {
      for i in 0..<n where !range.contains(i) { valid[i] = false }  // outside the shard: not read
    }
    let rowBytes = a.rowByteCount, vocabulary = a.rowLength
    let results = UnsafeMutableBufferPointer<LogitChangeStatistics>.allocate(capacity: max(n, 1))
    defer { results.deallocate() }
    let mask = valid  // masked-out positions (padding) are not read at all
    do {
      if a.elementType != b.elementType {
        try Self.mixedTypeStatistics(before: a, after: b, temperature: temperature, mask: mask, into: results.baseAddress!, progress: progress)
      } else {
        // Both mapped: one parallel pass. Otherwise the compressed dump streams in chunks paired
        // with the same rows of the other, which must be random-access (memory-mapped).
        guard a.isMapped || b.isMapped else {
          throw DumpError(file: after.path, tensor: "logits", problem: "both dumps store logits DEFLATE-compressed; compare needs at least one uncompressed (np.savez, safetensors or .npy)")
        }
        try LogitRowPass.run(a, b, rows: 0..<n, chunkBytes: 8 << 20, progress: progress) { rows, x, y, completed in
          mask.withUnsafeBufferPointer { m in
            computeChangeStatistics(
              before: x, after: y!, elementType: elementType, rowCount: rows.count, vocabularySize: vocabulary,
              rowStride: rowBytes, temperature: temperature, rowMask: m.baseAddress! + rows.lowerBound,
              into: results.baseAddress! + rows.lowerBound, rowsCompleted: completed)
          }
        }
      }
    } catch let error as DumpError {
      throw error
    } catch {
      throw DumpError(file: before.path, tensor: "logits", nesting: error)
    }
    let stats = Array(results.prefix(n))
    var nonFinite = 0
    for i in 0..<n where !stats[i].isFinite {
      if valid[i] { nonFinite += 1 }
      valid[i] = false
    }
    let indices = valid.indices.filter { valid[$0] }
    guard !indices.isEmpty || range != nil else {
      throw DumpError(file: before.path, tensor: "mask", problem: "the batch is empty: no valid position with finite logits in both dumps")
    }
    func masked(_ key: (LogitChangeStatistics) -> Double) -> [Double] { (0..<n).map { valid[$0] ? key(stats[$0]) : .nan } }
    let actualAll = masked { $0.entropyChange }, firstAll = masked(\.firstOrder), secondAll = masked(\.secondOrder)
    let localAll = masked(\.localKL), exactAll = masked(\.exactKL)
    let kept = range ?? 0..<n
    positions = Array(kept)
    self.valid = Array(valid[kept])
    positionShape = before.positionShape
    deltaActual = Array(actualAll[kept])
    deltaFirstOrder = Array(firstAll[kept])
    deltaSecondOrder = Array(secondAll[kept])
    localKL = Array(localAll[kept])
    exactKL = Array(exactAll[kept])
    summary = Self.summary(
      before: before.path, after: after.path, temperature: temperature, valid: self.valid, deltaActual: deltaActual,
      deltaFirstOrder: deltaFirstOrder, deltaSecondOrder: deltaSecondOrder, localKL: localKL, exactKL: exactKL,
      nonFiniteRows: nonFinite)
  }

  /// The summary over the valid positions of per-position arrays (NaN statistics when none is
  /// valid, as in an empty shard; never printed for one).
  ///
  /// - Complexity: O(N).
  static func summary(
    before: String, after: String, temperature: Double, valid: [Bool], deltaActual: [Double], deltaFirstOrder: [Double],
    deltaSecondOrder: [Double], localKL: [Double], exactKL: [Double], nonFiniteRows: Int
  ) -> Summary {
    let indices = valid.indices.filter { valid[$0] }
    let actual = indices.map { deltaActual[$0] }
    let first = indices.map { deltaFirstOrder[$0] }
    let second = indices.map { deltaSecondOrder[$0] }
    func mean(_ v: [Double]) -> Double { compensatedSum(v) / Double(v.count) }
    func rmse(_ p: [Double]) -> Double { (compensatedSum(zip(p, actual).map { ($0 - $1) * ($0 - $1) }) / Double(p.count)).squareRoot() }
    let agree = zip(first, actual).filter { ($0 > 0 && $1 > 0) || ($0 < 0 && $1 < 0) || ($0 == 0 && $1 == 0) }.count
    return Summary(
      before: before, after: after, temperature: temperature, tokens: indices.count,
      pearsonFirstOrder: pearsonCorrelation(first, actual), pearsonSecondOrder: pearsonCorrelation(second, actual),
      rmseFirstOrder: rmse(first), rmseSecondOrder: rmse(second),
      signAgreement: Double(agree) / Double(indices.count), meanDeltaActual: mean(actual),
      meanDeltaFirstOrder: mean(first), meanDeltaSecondOrder: mean(second),
      meanLocalKL: mean(indices.map { localKL[$0] }), meanExactKL: mean(indices.map { exactKL[$0] }),
      nonFiniteRows: nonFiniteRows)
  }

  /// Per-position tensors `delta_actual`, `delta_first_order`, `delta_second_order`, `local_kl`,
  /// `exact_kl` (F64, the dumps' position shape, NaN where invalid) and `valid` (U8).
  ///
  /// - Complexity: O(N) to copy the N per-position values.
  public func perTokenWriter() -> SafetensorsWriter {
    var w = SafetensorsWriter(metadata: [
      "producer": "deltah compare", "before": summary.before, "after": summary.after,
      "temperature": "\(summary.temperature)",
    ])
    w.add("delta_actual", deltaActual, shape: positionShape)
    w.add("delta_first_order", deltaFirstOrder, shape: positionShape)
    w.add("delta_second_order", deltaSecondOrder, shape: positionShape)
    w.add("local_kl", localKL, shape: positionShape)
    w.add("exact_kl", exactKL, shape: positionShape)
    w.add("valid", valid.map { $0 ? UInt8(1) : 0 }, shape: positionShape)
    return w
  }
}
