// DeltaH — entropy change of softmax policies.

import LogitDumps
import LogitKernels
import RealModule
import Synchronization

extension PositionTable {
  /// Reads the per-position quantities of `dump` for the flat positions in `range`, streaming the
  /// logits through the SIMD row kernels on all cores.
  ///
  /// With full logits, each row z_t gives (at temperature T, x = z/T, π = softmax(x)):
  /// LSE, H_t = −Σ π log π, log π(y_t), Σπ², E_π[S], S_{y_t} and the top-1/top-2 gap. Logits are
  /// read straight from the memory map, in batches of rows that are dropped from memory once
  /// computed (or in 16 MiB chunks from the streaming inflater of a compressed .npz member), so
  /// memory stays flat in the vocabulary × positions size; per-position scalars cost O(positions).
  ///
  /// - Parameters:
  ///   - dump: an opened dump.
  ///   - temperature: T > 0, applied to the logits before every softmax.
  ///   - range: the flat positions to read (a shard); all by default.
  ///   - progress: called after each batch with (positions done, positions in range), from a
  ///     worker thread but never concurrently with itself.
  /// - Throws: ``DumpError`` for a range outside the dump's positions, an invalid T, unreadable
  ///   data or a sampled token outside the vocabulary.
  /// - Complexity: O(|range| · V) kernel work, O(positions) memory.
  public init(
    dump: LogitDump, temperature: Double, range: Range<Int>? = nil,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(DumpError) {
    let range = range ?? 0..<dump.positionCount
    guard range.lowerBound >= 0, range.upperBound <= dump.positionCount else {
      throw DumpError(file: dump.path, problem: "the position range \(range) is outside the dump's \(dump.positionCount) positions (0..<\(dump.positionCount))")
    }
    guard temperature.isFinite, temperature > 0, (1 / temperature).isFinite else {
      throw DumpError(file: dump.path, problem: "temperature \(temperature) is invalid; it must be a finite number > 0")
    }
    try Self.requireMemory(dump: dump, positions: range.count)  // claims of a tiny .npz: refuse, don't abort
    self = try Self.loggedFields(dump: dump, temperature: temperature, range: range)
    guard let logits = dump[.logits] else {
      progress?(range.count, range.count)
      return
    }
    let statistics = try Self.rowStatistics(
      logits, range: range, temperature: temperature, sampledTokens: tokenIDs, mask: valid, progress: progress)
    try apply(statistics, vocabulary: logits.rowLength, tokenFile: dump[.tokenIds]?.file ?? dump.path)
  }

  /// The table of `range` from the per-position tensors alone (mask, token ids, advantages, ids,
  /// logged entropy and log-probabilities, top-k bounds): the entropy is the logged one (NaN
  /// without it, source `.none`), log π the logged one, else `old_logprobs`. Full logits replace
  /// both in ``apply(_:vocabulary:tokenFile:)``.
  ///
  /// - Throws: ``DumpError`` for unreadable tensors, a non-finite logged value at a valid position, or
  ///   top-k ids at a valid position that are not distinct token ids.
  /// - Complexity: O(|range|) plus the whole-tensor conversions.
  static func loggedFields(dump: LogitDump, temperature: Double, range: Range<Int>) throws(DumpError) -> PositionTable {
    func slice<T>(_ values: [T]) -> [T] { Array(values[range]) }
    func doubles(_ field: DumpField) throws(DumpError) -> [Double]? {
      try dump[field].map { (t: Tensor) throws(DumpError) in slice(try t.doubles()) }
    }
    func int64s(_ field: DumpField) throws(DumpError) -> [Int64]? {
      try dump[field].map { (t: Tensor) throws(DumpError) in slice(try t.int64s()) }
    }
    let valid = try dump[.mask].map { (t: Tensor) throws(DumpError) in slice(try t.bools()) }
      ?? Array(repeating: true, count: range.count)
    let tokenIDs = try int64s(.tokenIds)
    let advantages = try doubles(.advantages)
    let groupIDs = try int64s(.groupIds)
    let sequenceIDs: [Int64]
    if let ids = try int64s(.sequenceIds) {
      sequenceIDs = ids
    } else if dump.positionShape.count == 2 {
      let t = dump.positionShape[1]
      sequenceIDs = range.map { Int64($0 / max(t, 1)) }
    } else {
      sequenceIDs = Array(repeating: 0, count: range.count)
    }
    let loggedEntropy = try doubles(.entropy)
    let loggedLogProbability = try doubles(.logprobs)
    let oldLogProbability = try doubles(.oldLogprobs)
    let topKBounds = try Self.topKBounds(dump: dump, range: range, valid: valid)

    // Non-finite advantages or logged values at valid positions are data errors, not noise.
    for (name, values) in [("advantages", advantages), ("entropy", loggedEntropy), ("logprobs", loggedLogProbability), ("old_logprobs", oldLogProbability)] {
      guard let values else { continue }
      if let i = values.indices.first(where: { valid[$0] && !values[$0].isFinite }) {
        throw DumpError(file: dump.path, tensor: name, problem: "value at position \(range.lowerBound + i) is \(values[i]); valid positions need finite values")
      }
    }
    return PositionTable(
      positions: Array(range), positionShape: dump.positionShape, temperature: temperature, valid: valid,
      tokenIDs: tokenIDs, advantages: advantages, sequenceIDs: sequenceIDs, groupIDs: groupIDs,
      entropy: loggedEntropy ?? Array(repeating: .nan, count: range.count),
      entropySource: loggedEntropy == nil ? .none : .logged, logProbability: loggedLogProbability ?? oldLogProbability,
      loggedEntropy: loggedEntropy, loggedLogProbability: loggedLogProbability, oldLogProbability: oldLogProbability,
      topKBounds: topKBounds, nonFiniteRows: 0, nonFiniteExamples: [])
  }

  /// The row statistics of the logits rows in `range` (at temperature T, masked-out rows skipped),
  /// streamed through the SIMD kernels: straight from the memory map in batches, or, for a
  /// compressed member with rows longer than ``streamedRowBytes``, piece by piece through
  /// ``LogitRowAccumulator``.
  ///
  /// - Throws: ``DumpError`` naming the logits tensor for unreadable or corrupt data.
  /// - Complexity: O(|range| · V) kernel work, O(|range|) memory.
  static func rowStatistics(
    _ logits: Tensor, range: Range<Int>, temperature: Double, sampledTokens tokens: [Int64]?, mask: [Bool],
    progress: (@Sendable (Int, Int) -> Void)?
  ) throws(DumpError) -> [LogitRowStatistics] {
    let elementType = try LogitElementType(logits: logits)
    let vocabulary = logits.rowLength
    let rowBytes = logits.rowByteCount
    // LogitRowStatistics is a trivial struct; the kernels fill every row of the range.
    let rowStatistics = UnsafeMutableBufferPointer<LogitRowStatistics>.allocate(capacity: max(range.count, 1))
    defer { rowStatistics.deallocate() }
    /// Row statistics of rows `rows` (their bytes at `start`) into the slots from `rows.lowerBound`.
    func compute(_ rows: Range<Int>, at start: UnsafeRawPointer, rowsCompleted: (@Sendable (Range<Int>) -> Void)?) {
      let outOffset = rows.lowerBound - range.lowerBound
      mask.withUnsafeBufferPointer { m in
        func run(sampledTokens: UnsafePointer<Int64>?) {
          computeRowStatistics(
            rows: start, elementType: elementType, rowCount: rows.count, vocabularySize: vocabulary,
            rowStride: rowBytes, temperature: temperature, sampledTokens: sampledTokens,
            rowMask: m.baseAddress.map { $0 + outOffset }, into: rowStatistics.baseAddress! + outOffset,
            rowsCompleted: rowsCompleted)
        }
        if let tokens {
          tokens.withUnsafeBufferPointer { run(sampledTokens: $0.baseAddress! + outOffset) }
        } else {
          run(sampledTokens: nil)
        }
      }
    }
    do {
      if !logits.isMapped, rowBytes > Self.streamedRowBytes {
        // A row larger than the chunk: inflate it in pieces and combine their sums
        // (LogitRowAccumulator rescales by the running maximum), so memory stays at one piece.
        var accumulator: LogitRowAccumulator?
        try logits.forEachRowPiece(maxBytes: Self.streamedRowBytes) { row, offset, bytes in
          guard range.contains(row), mask[row - range.lowerBound], let base = bytes.baseAddress else { return }
          if offset == 0 {
            accumulator = LogitRowAccumulator(
              vocabularySize: vocabulary, elementType: elementType, temperature: temperature,
              sampledToken: tokens?[row - range.lowerBound])
          }
          accumulator!.add(base, count: bytes.count / logits.elementType.byteWidth, offset: offset)
          if offset * logits.elementType.byteWidth + bytes.count == rowBytes {
            (rowStatistics.baseAddress! + (row - range.lowerBound)).initialize(to: accumulator!.statistics())
            progress?(row - range.lowerBound + 1, range.count)
          }
        }
        for i in 0..<range.count where !mask[i] { (rowStatistics.baseAddress! + i).initialize(to: .skipped) }
      } else {
        try LogitRowPass.run(logits, rows: range, chunkBytes: 16 << 20, progress: progress) { rows, bytes, _, completed in
          compute(rows, at: bytes, rowsCompleted: completed)
        }
      }
    } catch let error as DumpError {
      throw error
    } catch {
      throw DumpError(file: logits.file, tensor: "logits", nesting: error)
    }
    return Array(rowStatistics.prefix(range.count))
  }

  /// Takes the entropy, Σπ², E_π[S], the top-1/top-2 gap and (with token ids) log π(y) and S_y
  /// from the row statistics; rows with non-finite logits become invalid (counted, the first
  /// eight named).
  ///
  /// - Throws: ``DumpError`` naming `tokenFile` for a sampled token outside the vocabulary at a
  ///   valid position.
  /// - Complexity: O(positions).
  mutating func apply(_ stats: [LogitRowStatistics], vocabulary: Int, tokenFile: String) throws(DumpError) {
    for i in stats.indices where stats[i].sampledTokenOutOfRange && valid[i] {
      throw DumpError(
        file: tokenFile, tensor: "token_ids",
        problem: "token \(tokenIDs?[i] ?? -1) at position \(positions[i]) is outside the vocabulary 0..<\(vocabulary)")
    }
    for i in stats.indices where !stats[i].isFinite {
      if nonFiniteExamples.count < 8 { nonFiniteExamples.append(positions[i]) }
      nonFiniteRows += 1
      valid[i] = false
    }
    entropy = stats.map(\.entropy)
    entropySource = .logits
    sumSquaredProbabilities = stats.map(\.sumSquaredProbabilities)
    expectedDiscriminator = stats.map(\.expectedDiscriminator)
    topTwoGap = stats.map(\.topTwoGap)
    if tokenIDs != nil {
      logProbability = stats.map(\.sampledLogProbability)
      sampledDiscriminator = stats.map(\.sampledDiscriminator)
    }
  }

  /// Rows of DEFLATE members longer than this many bytes are inflated and reduced in pieces of
  /// this size (``LogitRowAccumulator``) instead of whole.
  static let streamedRowBytes = 16 << 20

  /// Top-k entropy bounds, when `topk_logprobs` is exported. V comes from the logits' last axis or
  /// the metadata key `vocab_size`. The `topk_ids` of valid positions (`valid[i]` for position
  /// `range.lowerBound + i`) must be distinct token ids in [0, V) (V when known): a repeated id
  /// counts one token's probability twice in the bounds. The top-k probabilities of a valid
  /// position must sum to at most 1 + ``TopKEntropyBounds/massTolerance(storedAs:k:)``: beyond
  /// rounding, the row is no (sub-)distribution over the vocabulary and its "bounds" bound
  /// nothing (a row of logits gives negative ones).
  static func topKBounds(dump: LogitDump, range: Range<Int>, valid: [Bool]) throws(DumpError) -> TopKEntropyBounds? {
    guard let tensor = dump[.topkLogprobs] else { return nil }
    let k = tensor.rowLength
    let all = try tensor.doubles()
    let vocabulary = dump.vocabularySize ?? dump.metadata["vocab_size"].flatMap { Int($0) }
    if let ids = dump[.topkIds] { try checkTopKIDs(ids, k: k, range: range, valid: valid, vocabulary: vocabulary) }
    let tolerance = TopKEntropyBounds.massTolerance(storedAs: tensor.elementType, k: k)
    var lower: [Double] = [], upper: [Double] = [], tail: [Double] = []
    for (i, position) in range.enumerated() {
      var head = 0.0, mass = 0.0
      for j in 0..<k {
        let l = all[position * k + j]
        guard l.isFinite || l == -.infinity else {
          throw DumpError(file: tensor.file, tensor: "topk_logprobs", problem: "value at position \(position), rank \(j) is \(l)")
        }
        let p = Double.exp(l)
        if p > 0 { head -= p * l }
        mass += p
      }
      if valid[i], mass > 1 + tolerance {
        throw DumpError(
          file: tensor.file, tensor: "topk_logprobs",
          problem: "the probabilities at position \(position) sum to \(mass), above 1 by more than the rounding tolerance of \(tensor.elementType) values (\(tolerance)); these are not natural-log probabilities normalised over the vocabulary (logits? log base 10?), and top-k entropy bounds from them would bound nothing")
      }
      let t = max(0, 1 - mass)
      let tailEntropy = t > 0 ? -t * Double.log(t) : 0
      lower.append(head + tailEntropy)
      tail.append(t)
      if let v = vocabulary, v > k {
        upper.append(head + (t > 0 ? -t * Double.log(t / Double(v - k)) : 0))
      }
    }
    return TopKEntropyBounds(lower: lower, upper: vocabulary != nil && vocabulary! > k ? upper : nil, tailMass: tail, k: k)
  }

  /// Refuses `topk_ids` at valid positions that are negative, at least `vocabulary` (when known),
  /// or repeated within a position's k ids.
  ///
  /// - Complexity: O(positions · k log k).
  private static func checkTopKIDs(_ tensor: Tensor, k: Int, range: Range<Int>, valid: [Bool], vocabulary: Int?) throws(DumpError) {
    let ids = try tensor.int64s()
    for (i, position) in range.enumerated() where valid[i] {
      let row = ids[position * k..<(position + 1) * k]
      if let bad = row.first(where: { id in id < 0 || vocabulary.map { id >= Int64($0) } == true }) {
        let bound = vocabulary.map { "[0, \($0))" } ?? "≥ 0"
        throw DumpError(file: tensor.file, tensor: "topk_ids", problem: "id \(bad) at position \(position) is not a token id \(bound)")
      }
      let sorted = row.sorted()
      if let j = sorted.indices.dropFirst().first(where: { sorted[$0] == sorted[$0 - 1] }) {
        throw DumpError(file: tensor.file, tensor: "topk_ids", problem: "id \(sorted[j]) appears twice at position \(position); the top-k ids of a position are distinct tokens")
      }
    }
  }
}
