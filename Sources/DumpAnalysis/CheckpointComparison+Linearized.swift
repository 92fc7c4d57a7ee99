// DeltaH — entropy change of softmax policies.

import Dispatch
import LogitDumps
import LogitKernels
import RealModule
import SoftmaxEntropy
import Synchronization

/// Lemma 1 applied to the network's own linearised logit change, next to a
/// ``CheckpointComparison`` of the same positions.
///
/// A parameter update Δθ moves the raw logits of every position together. A jvp dump (written by
/// `deltah.linearize.write_jvp_dump`) holds, per position, the forward-mode directional derivative
/// J·Δθ of the raw logits (before temperature) at the before parameters. Per valid position, with
/// π = softmax(z_before/T), Δz = z_after − z_before and JΔθ the jvp row:
///
///     linearised first order   L = −Cov_π(log π, JΔθ/T)
///     first order (Lemma 1)    F = −Cov_π(log π, Δz/T)         (from the comparison)
///     logit nonlinearity       N = F − L
///     second-order remainder   R = actual − F
///
/// so that actual ΔH = L + N + R exactly, per position and in the token mean. L is what the
/// linearised network predicts; N is the part of the actual logit change that is not linear in
/// Δθ; R is what Lemma 1 misses even on the actual logit change (softmax curvature).
///
/// L is computed here in `Double` from the decoded rows (no float kernel): two passes per row
/// (exponentials and the π-means of d = (z − max z)/T and of v = JΔθ, then the centred product
/// Σ π (d − E_π d)(v − E_π v)), so neither a constant offset of v nor a large logit scale causes
/// cancellation. The relative error is that of a Double sum over V terms (≲ V·2⁻⁵³, in practice
/// ~1e-14), far below the F32 rounding of the stored JΔθ.
public struct LinearizedComparison: Sendable {
  /// Valid for the comparison and with a finite jvp row.
  public let valid: [Bool]
  /// L per position (NaN where invalid).
  public let deltaLinearizedFirstOrder: [Double]
  /// N = F − L per position (NaN where invalid).
  public let logitNonlinearity: [Double]
  /// R = actual − F per position (NaN where invalid).
  public let secondOrderRemainder: [Double]
  /// The position shape of the dumps.
  public let positionShape: [Int]
  /// The batch summary.
  public let summary: Summary

  /// Summary over the positions valid here (the comparison's valid positions with a finite jvp
  /// row; normally all of them).
  public struct Summary: Sendable, Codable {
    /// The jvp dump.
    public var linearized: String
    /// Valid positions for the linearised prediction.
    public var linearizedTokens: Int
    /// Pearson correlation of L with the actual ΔH (nil when either is constant).
    public var pearsonLinearizedFirstOrder: Double?
    /// √(mean (L − actual)²).
    public var rmseLinearizedFirstOrder: Double
    /// Token means over the same positions: actual = L + N + R.
    public var meanDeltaActualLinearizedTokens: Double
    public var meanDeltaLinearizedFirstOrder: Double
    public var meanLogitNonlinearity: Double
    public var meanSecondOrderRemainder: Double
    /// mean L / mean actual: the share of the actual mean ΔH the linearised network explains
    /// (nil when the actual mean is 0).
    public var shareExplainedLinearizedFirstOrder: Double?
    /// Positions whose jvp row holds NaN/±∞ (excluded).
    public var nonFiniteLinearizedRows: Int
    /// ∇θH̄·Δθ from the jvp dump's metadata `parameter_space_first_order`, when present.
    public var parameterSpaceFirstOrder: Double?
    /// The ΔH predicted before the optimizer step from the jvp dump's metadata
    /// `predicted_before_step`, when present.
    public var predictedBeforeStep: Double?
    /// Problems worth a reader's attention (also printed by the CLI).
    public var warnings: [String]

    /// The JSON keys (snake_case, as `deltah compare --linearized --json` writes them); documented
    /// with the properties above.
    public enum CodingKeys: String, CodingKey {
      case linearized, warnings
      case linearizedTokens = "linearized_tokens"
      case pearsonLinearizedFirstOrder = "pearson_linearized_first_order"
      case rmseLinearizedFirstOrder = "rmse_linearized_first_order"
      case meanDeltaActualLinearizedTokens = "mean_delta_actual_linearized_tokens"
      case meanDeltaLinearizedFirstOrder = "mean_delta_linearized_first_order"
      case meanLogitNonlinearity = "mean_logit_nonlinearity"
      case meanSecondOrderRemainder = "mean_second_order_remainder"
      case shareExplainedLinearizedFirstOrder = "share_explained_linearized_first_order"
      case nonFiniteLinearizedRows = "non_finite_linearized_rows"
      case parameterSpaceFirstOrder = "parameter_space_first_order"
      case predictedBeforeStep = "predicted_before_step"
    }
  }

  /// Reads the jvp dump's rows for the comparison's valid positions and computes L, N and R.
  ///
  /// - Parameters:
  ///   - comparison: the comparison of `before` with the after dump.
  ///   - before: the dump at the before checkpoint (its logits define π).
  ///   - jvp: the jvp dump: `logits` holds J·Δθ (raw), with the same shape as `before`'s logits.
  ///   - temperature: T (the comparison's).
  /// - Throws: ``DumpError`` naming the jvp file when it has no logits, another logit shape or
  ///   position shape, non-floating logits, or `token_ids`/`mask` that differ from `before`'s;
  ///   naming `before` when it has no logits or both store logits DEFLATE-compressed.
  /// - Complexity: O(N · V) time, one exponential per element; O(N + threads · V) memory.
  public init(comparison: CheckpointComparison, before: LogitDump, jvp: LogitDump, temperature: Double) throws(DumpError) {
    guard let a = before[.logits] else { throw DumpError(file: before.path, tensor: "logits", problem: "the linearised comparison needs full logits") }
    guard let v = jvp[.logits] else {
      throw DumpError(file: jvp.path, tensor: "logits", problem: "a jvp dump must hold J·Δθ as 'logits'")
    }
    guard v.shape == a.shape else {
      throw DumpError(file: jvp.path, tensor: "logits", problem: "shape \(v.shape) differs from \(a.shape) in \(before.path); the jvp dump must cover the same positions and vocabulary")
    }
    guard v.elementType.isFloatingPoint, a.elementType.isFloatingPoint else {
      let bad = v.elementType.isFloatingPoint ? (before.path, a.elementType) : (jvp.path, v.elementType)
      throw DumpError(file: bad.0, tensor: "logits", problem: "element type \(bad.1) is not a floating-point type")
    }
    guard jvp.positionShape == before.positionShape, comparison.positionShape == before.positionShape else {
      throw DumpError(file: jvp.path, problem: "position shape \(jvp.positionShape) differs from \(before.positionShape) in \(before.path)")
    }
    guard temperature.isFinite, temperature > 0 else {
      throw DumpError(file: before.path, problem: "temperature \(temperature) is invalid; it must be a finite number > 0")
    }
    for field in [DumpField.tokenIds, .mask] {
      guard let x = before[field], let y = jvp[field] else { continue }
      let same: Bool
      if field == .mask {
        same = try x.bools() == y.bools()
      } else {
        same = try x.int64s() == y.int64s()
      }
      if !same {
        throw DumpError(file: jvp.path, tensor: y.name, problem: "differs from '\(x.name)' in \(before.path); the jvp dump must hold the before dump's positions")
      }
    }
    var warnings: [String] = []
    if let t = jvp.metadata["temperature"].flatMap(Double.init), abs(t - temperature) > 1e-12 * max(1, abs(temperature)) {
      warnings.append("\(jvp.path): metadata temperature \(t) differs from the temperature used, \(temperature) (J·Δθ is raw; T = \(temperature) divides it)")
    }
    if let s = jvp.step, let b = before.step, s != b {
      warnings.append("\(jvp.path): metadata step \(s) differs from step \(b) of \(before.path)")
    }

    let n = before.positionCount
    var result = [Double](repeating: .nan, count: n)
    try Self.computeRows(before: a, direction: v, rowMask: comparison.valid, temperature: temperature, into: &result, beforePath: before.path, jvpPath: jvp.path)

    var valid = comparison.valid
    var nonFinite = 0
    for i in 0..<n where valid[i] && !result[i].isFinite {
      nonFinite += 1
      valid[i] = false
    }
    if nonFinite > 0 {
      warnings.append("\(jvp.path): \(nonFinite) position(s) with NaN/Inf in J·Δθ excluded from the linearised prediction")
    }
    let indices = valid.indices.filter { valid[$0] }
    guard !indices.isEmpty else {
      throw DumpError(file: jvp.path, tensor: "logits", problem: "no valid position with a finite J·Δθ row")
    }
    let lin = (0..<n).map { valid[$0] ? result[$0] : .nan }
    let nonlinearity = (0..<n).map { valid[$0] ? comparison.deltaFirstOrder[$0] - lin[$0] : .nan }
    let remainder = (0..<n).map { valid[$0] ? comparison.deltaActual[$0] - comparison.deltaFirstOrder[$0] : .nan }
    self.valid = valid
    deltaLinearizedFirstOrder = lin
    logitNonlinearity = nonlinearity
    secondOrderRemainder = remainder
    positionShape = before.positionShape

    let actual = indices.map { comparison.deltaActual[$0] }
    let l = indices.map { lin[$0] }
    func mean(_ x: [Double]) -> Double { compensatedSum(x) / Double(x.count) }
    let meanActual = mean(actual), meanL = mean(l)
    let rmse = (compensatedSum(zip(l, actual).map { ($0 - $1) * ($0 - $1) }) / Double(l.count)).squareRoot()
    func metadataNumber(_ key: String) -> Double? {
      guard let raw = jvp.metadata[key] else { return nil }
      guard let x = Double(raw), x.isFinite else {
        warnings.append("\(jvp.path): metadata \(key) = '\(raw)' is not a finite number; ignored")
        return nil
      }
      return x
    }
    let parameterSpace = metadataNumber("parameter_space_first_order")
    let predicted = metadataNumber("predicted_before_step")
    summary = Summary(
      linearized: jvp.path, linearizedTokens: indices.count,
      pearsonLinearizedFirstOrder: pearsonCorrelation(l, actual), rmseLinearizedFirstOrder: rmse,
      meanDeltaActualLinearizedTokens: meanActual, meanDeltaLinearizedFirstOrder: meanL,
      meanLogitNonlinearity: mean(indices.map { nonlinearity[$0] }),
      meanSecondOrderRemainder: mean(indices.map { remainder[$0] }),
      shareExplainedLinearizedFirstOrder: meanActual == 0 ? nil : meanL / meanActual,
      nonFiniteLinearizedRows: nonFinite, parameterSpaceFirstOrder: parameterSpace,
      predictedBeforeStep: predicted, warnings: warnings)
  }

  /// Adds `delta_linearized_first_order`, `logit_nonlinearity` and `second_order_remainder` (F64,
  /// the position shape, NaN where invalid) and `linearized_valid` (U8) to a per-token writer.
  ///
  /// - Complexity: O(N).
  public func addPerToken(to writer: inout SafetensorsWriter) {
    writer.metadata["linearized"] = summary.linearized
    writer.add("delta_linearized_first_order", deltaLinearizedFirstOrder, shape: positionShape)
    writer.add("logit_nonlinearity", logitNonlinearity, shape: positionShape)
    writer.add("second_order_remainder", secondOrderRemainder, shape: positionShape)
    writer.add("linearized_valid", valid.map { $0 ? UInt8(1) : 0 }, shape: positionShape)
  }

  /// −Cov_π(log π, v/T) for π = softmax(z/T): Lemma 1 for the raw logit direction v.
  ///
  /// With d = (z − max z)/T, e = exp d, π = e/Σe: −(1/T) Σ π (d − E_π d)(v − E_π v), in two
  /// Double passes. Invariant under v → v + c·1 and z → z + c·1.
  ///
  /// - Returns: NaN when an element of `z` or `v` is NaN or ±∞; 0 for V = 1.
  /// - Precondition: `z.count == v.count ≥ 1`, T finite and > 0.
  /// - Complexity: O(V), one exponential per element.
  public static func firstOrder(logits z: [Double], direction v: [Double], temperature: Double) -> Double {
    precondition(z.count == v.count && !z.isEmpty, "logits and direction must have the same length ≥ 1")
    precondition(temperature.isFinite && temperature > 0, "temperature must be finite and > 0")
    var scratch = [Double](repeating: 0, count: z.count)
    return z.withUnsafeBufferPointer { zp in
      v.withUnsafeBufferPointer { vp in
        scratch.withUnsafeMutableBufferPointer { s in
          _firstOrder(z: zp, v: vp, inverseTemperature: 1 / temperature, scratch: s)
        }
      }
    }
  }

  /// The row kernel of ``firstOrder(logits:direction:temperature:)``; `scratch` holds ≥ V doubles.
  static func _firstOrder(
    z: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>, inverseTemperature: Double,
    scratch e: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    let count = z.count
    var m = -Double.infinity
    for i in 0..<count {
      guard z[i].isFinite, v[i].isFinite else { return .nan }
      m = Swift.max(m, z[i])
    }
    var s0 = 0.0, sd = 0.0, sv = 0.0
    for i in 0..<count {
      let d = (z[i] - m) * inverseTemperature
      let w = Double.exp(d)
      e[i] = w
      s0 += w
      if w != 0 {
        sd += w * d
        sv += w * v[i]
      }
    }
    let meanD = sd / s0, meanV = sv / s0
    var c = 0.0
    for i in 0..<count where e[i] != 0 {
      c += e[i] * ((z[i] - m) * inverseTemperature - meanD) * (v[i] - meanV)
    }
    return -(c / s0) * inverseTemperature
  }

  /// Fills `result[r]` with L for every row whose mask flag is set, through the shared streaming
  /// driver ``LogitRowPass``: both tensors memory-mapped in one pass, worked and released in
  /// batches of about 8 MiB; else the compressed one streamed in chunks of about 8 MiB, each paired
  /// with the same rows of the other. Rows run in parallel within a batch; each row's L depends
  /// on that row alone, so the batching does not change a bit of the result.
  ///
  /// - Throws: ``DumpError`` naming `beforePath` when both tensors are DEFLATE-compressed, or
  ///   from reading the rows.
  /// - Complexity: O(N · V), one exponential per element; memory O(batch + threads · V).
  static func computeRows(
    before a: Tensor, direction v: Tensor, rowMask: [Bool], temperature: Double, into result: inout [Double],
    beforePath: String, jvpPath: String
  ) throws(DumpError) {
    let n = rowMask.count
    guard n > 0 else { return }
    guard a.isMapped || v.isMapped else {
      throw DumpError(file: beforePath, tensor: "logits", problem: "both this dump and \(jvpPath) store logits DEFLATE-compressed; at least one must be uncompressed")
    }
    let batchRows = max(1, (8 << 20) / max(a.rowByteCount, v.rowByteCount, 1))
    let rows = _LinearizedRows(before: a, direction: v, rowMask: rowMask, inverseTemperature: 1 / temperature)
    do {
      try result.withUnsafeMutableBufferPointer { out in
        let output = _SendableBuffer(base: out.baseAddress!)
        try LogitRowPass.run(a, v, rows: 0..<n, chunkBytes: 8 << 20, progress: nil) { range, x, y, completed in
          // Memory-mapped: one call for every row, worked and released batch by batch. Streamed:
          // one call per chunk, worked at once.
          var lo = range.lowerBound
          while lo < range.upperBound {
            let hi = completed == nil ? range.upperBound : min(range.upperBound, lo + batchRows)
            let k = lo - range.lowerBound
            rows.compute(lo..<hi, before: x + k * a.rowByteCount, direction: y! + k * v.rowByteCount, into: output)
            completed?(k..<(hi - range.lowerBound))
            lo = hi
          }
        }
      }
    } catch let error as DumpError {
      throw error
    } catch {
      throw DumpError(file: jvpPath, tensor: "logits", nesting: error)
    }
  }

  /// Decodes one row of floating-point elements to Double, exactly.
  static func decode(
    _ bytes: UnsafeRawBufferPointer, _ type: ElementType, into out: UnsafeMutableBufferPointer<Double>,
    floats: UnsafeMutableBufferPointer<Float>
  ) {
    if type == .f64 {
      for i in 0..<out.count { out[i] = bytes.loadUnaligned(fromByteOffset: 8 * i, as: Double.self) }
      return
    }
    let f = UnsafeMutableBufferPointer(rebasing: floats[0..<out.count])
    type.loadFloats(from: bytes, into: f)
    for i in 0..<out.count { out[i] = Double(f[i]) }
  }

}

/// A result pointer shared by worker threads that write disjoint slots.
private struct _SendableBuffer: @unchecked Sendable { let base: UnsafeMutablePointer<Double> }
/// Read-only bytes shared by worker threads.
private struct _SendableRaw: @unchecked Sendable { let base: UnsafeRawPointer }

/// The row kernel of ``LinearizedComparison/computeRows(before:direction:rowMask:temperature:into:beforePath:jvpPath:)``:
/// decodes each masked row of both tensors to Double and computes L with
/// ``LinearizedComparison/_firstOrder(z:v:inverseTemperature:scratch:)``, rows in parallel.
private struct _LinearizedRows: Sendable {
  let typeA: ElementType, typeV: ElementType
  let aBytes: Int, vBytes: Int, length: Int
  let rowMask: [Bool]
  let inverseTemperature: Double

  init(before a: Tensor, direction v: Tensor, rowMask: [Bool], inverseTemperature: Double) {
    typeA = a.elementType
    typeV = v.elementType
    aBytes = a.rowByteCount
    vBytes = v.rowByteCount
    length = a.rowLength
    self.rowMask = rowMask
    self.inverseTemperature = inverseTemperature
  }

  /// L for the masked rows of `rows` (absolute indices) into `output[r]`; `x` and `y` point at
  /// the first row of `rows` in each tensor.
  ///
  /// - Complexity: O(|rows| · V).
  func compute(_ rows: Range<Int>, before x: UnsafeRawPointer, direction y: UnsafeRawPointer, into output: _SendableBuffer) {
    let xs = _SendableRaw(base: x), ys = _SendableRaw(base: y)
    let next = Atomic<Int>(rows.lowerBound)
    DispatchQueue.concurrentPerform(iterations: Swift.min(Swift.max(1, activeProcessorCount), rows.count)) { _ in
      let zBuffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: length)
      let vBuffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: length)
      let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: length)
      let floats = UnsafeMutableBufferPointer<Float>.allocate(capacity: length)
      defer { zBuffer.deallocate(); vBuffer.deallocate(); scratch.deallocate(); floats.deallocate() }
      while true {
        let r = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard r < rows.upperBound else { return }
        guard rowMask[r] else { continue }
        let k = r - rows.lowerBound
        LinearizedComparison.decode(UnsafeRawBufferPointer(start: xs.base + k * aBytes, count: aBytes), typeA, into: zBuffer, floats: floats)
        LinearizedComparison.decode(UnsafeRawBufferPointer(start: ys.base + k * vBytes, count: vBytes), typeV, into: vBuffer, floats: floats)
        output.base[r] = LinearizedComparison._firstOrder(
          z: UnsafeBufferPointer(zBuffer), v: UnsafeBufferPointer(vBuffer), inverseTemperature: inverseTemperature, scratch: scratch)
      }
    }
  }
}
