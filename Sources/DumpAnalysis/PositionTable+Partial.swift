// DeltaH — entropy change of softmax policies.

import LogitDumps

/// A shard's per-position table saved for `deltah merge`: every array of the ``PositionTable`` as
/// a safetensors tensor (F64 / I64 / U8) plus the metadata needed to check that shards belong
/// together. Batch statistics of the merged table are computed from the concatenated per-position
/// values, so merging is exact: the same numbers as analysing the whole dump at once.
extension PositionTable {
  static let partialFormat = "deltah-partial-1"

  /// Writes this table as a partial (atomically: temporary file, then rename).
  ///
  /// - Throws: ``DumpError`` when the file cannot be written.
  /// - Complexity: O(N).
  public func writePartial(to path: String, source: String, step: Int?) throws(DumpError) {
    let n = [count]
    var w = SafetensorsWriter(metadata: [
      "format": Self.partialFormat, "source": source, "temperature": "\(temperature)",
      "position_shape": positionShape.map(String.init).joined(separator: ","),
      "entropy_source": entropySource.rawValue, "non_finite_rows": "\(nonFiniteRows)",
      "non_finite_examples": nonFiniteExamples.map(String.init).joined(separator: ","),
      "step": step.map(String.init) ?? "",
    ])
    w.add("positions", positions.map { Int64($0) }, shape: n)
    w.add("valid", valid.map { $0 ? UInt8(1) : 0 }, shape: n)
    w.add("sequence_ids", sequenceIDs, shape: n)
    w.add("entropy", entropy, shape: n)
    let optionalDoubles: [(String, [Double]?)] = [
      ("advantages", advantages), ("logprob", logProbability), ("sum_pi_squared", sumSquaredProbabilities),
      ("expected_discriminator", expectedDiscriminator), ("sampled_discriminator", sampledDiscriminator),
      ("top_two_gap", topTwoGap), ("logged_entropy", loggedEntropy), ("logged_logprobs", loggedLogProbability),
      ("old_logprobs", oldLogProbability), ("topk_lower", topKBounds?.lower), ("topk_upper", topKBounds?.upper),
      ("topk_tail_mass", topKBounds?.tailMass),
    ]
    for (name, values) in optionalDoubles { if let values { w.add(name, values, shape: n) } }
    if let tokenIDs { w.add("token_ids", tokenIDs, shape: n) }
    if let groupIDs { w.add("group_ids", groupIDs, shape: n) }
    if let k = topKBounds?.k { w.metadata["topk_k"] = "\(k)" }
    try w.write(to: path)
  }

  /// Reads one partial written by ``writePartial(to:source:step:)``.
  ///
  /// - Throws: ``DumpError`` when the file is not a DeltaH partial or is inconsistent.
  /// - Complexity: O(N).
  public init(partialAt path: String) throws(DumpError) {
    let archive = try TensorArchive(path: path)
    guard archive.metadata["format"] == Self.partialFormat else {
      throw DumpError(file: path, problem: "not a DeltaH partial (metadata 'format' is not \(Self.partialFormat)); write partials with 'deltah analyze DUMP --shard i/n --partial OUT'")
    }
    func tensor(_ name: String) throws(DumpError) -> Tensor {
      guard let t = archive[name] else { throw DumpError(file: path, tensor: name, problem: "required tensor is missing") }
      return t
    }
    func doubles(_ name: String) throws(DumpError) -> [Double]? { try archive[name]?.doubles() }
    positions = try tensor("positions").int64s().map { Int($0) }
    valid = try tensor("valid").bools()
    sequenceIDs = try tensor("sequence_ids").int64s()
    entropy = try tensor("entropy").doubles()
    positionShape = (archive.metadata["position_shape"] ?? "").split(separator: ",").compactMap { Int($0) }
    temperature = Double(archive.metadata["temperature"] ?? "") ?? .nan
    entropySource = EntropySource(rawValue: archive.metadata["entropy_source"] ?? "") ?? .none
    nonFiniteRows = Int(archive.metadata["non_finite_rows"] ?? "") ?? 0
    nonFiniteExamples = (archive.metadata["non_finite_examples"] ?? "").split(separator: ",").compactMap { Int($0) }
    advantages = try doubles("advantages")
    logProbability = try doubles("logprob")
    sumSquaredProbabilities = try doubles("sum_pi_squared")
    expectedDiscriminator = try doubles("expected_discriminator")
    sampledDiscriminator = try doubles("sampled_discriminator")
    topTwoGap = try doubles("top_two_gap")
    loggedEntropy = try doubles("logged_entropy")
    loggedLogProbability = try doubles("logged_logprobs")
    oldLogProbability = try doubles("old_logprobs")
    tokenIDs = try archive["token_ids"]?.int64s()
    groupIDs = try archive["group_ids"]?.int64s()
    if let lower = try doubles("topk_lower"), let tail = try doubles("topk_tail_mass") {
      topKBounds = TopKEntropyBounds(lower: lower, upper: try doubles("topk_upper"), tailMass: tail, k: Int(archive.metadata["topk_k"] ?? "") ?? 0)
    } else {
      topKBounds = nil
    }
    let n = positions.count
    for t in archive.tensors where t.descriptor.elementCount != n {
      throw DumpError(file: path, tensor: t.name, problem: "has \(t.descriptor.elementCount) elements, the partial has \(n) positions")
    }
    guard !positionShape.isEmpty, temperature.isFinite else {
      throw DumpError(file: path, problem: "partial metadata lacks 'position_shape' or 'temperature'")
    }
  }

  /// Concatenates shards of one dump in position order.
  ///
  /// - Throws: ``DumpError`` when the shards disagree (shape, temperature, available tensors) or
  ///   overlap.
  /// - Complexity: O(N log N).
  public init(merging parts: [(path: String, table: PositionTable)]) throws(DumpError) {
    guard let first = parts.first else { throw DumpError(file: "", problem: "no partial to merge") }
    let sorted = parts.sorted { ($0.table.positions.first ?? 0) < ($1.table.positions.first ?? 0) }
    for p in sorted.dropFirst() {
      let t = p.table
      guard t.positionShape == first.table.positionShape, t.temperature == first.table.temperature,
        t.entropySource == first.table.entropySource,
        (t.logProbability == nil) == (first.table.logProbability == nil),
        (t.advantages == nil) == (first.table.advantages == nil),
        (t.sampledDiscriminator == nil) == (first.table.sampledDiscriminator == nil)
      else {
        throw DumpError(file: p.path, problem: "does not match \(first.path): partials must come from the same dump with the same options (shape, temperature, tensors)")
      }
    }
    func cat<T>(_ key: (PositionTable) -> [T]?) -> [T]? {
      let arrays = sorted.map { key($0.table) }
      return arrays.contains { $0 == nil } ? nil : arrays.flatMap { $0! }
    }
    self = first.table
    positions = cat { $0.positions }!
    for (a, b) in zip(positions, positions.dropFirst()) where a >= b {
      throw DumpError(file: sorted.map(\.path).joined(separator: ", "), problem: "partials overlap at position \(b)")
    }
    valid = cat { $0.valid }!
    sequenceIDs = cat { $0.sequenceIDs }!
    entropy = cat { $0.entropy }!
    tokenIDs = cat { $0.tokenIDs }
    advantages = cat { $0.advantages }
    groupIDs = cat { $0.groupIDs }
    logProbability = cat { $0.logProbability }
    sumSquaredProbabilities = cat { $0.sumSquaredProbabilities }
    expectedDiscriminator = cat { $0.expectedDiscriminator }
    sampledDiscriminator = cat { $0.sampledDiscriminator }
    topTwoGap = cat { $0.topTwoGap }
    loggedEntropy = cat { $0.loggedEntropy }
    loggedLogProbability = cat { $0.loggedLogProbability }
    oldLogProbability = cat { $0.oldLogProbability }
    if let lower = cat({ $0.topKBounds?.lower }), let tail = cat({ $0.topKBounds?.tailMass }) {
      topKBounds = TopKEntropyBounds(lower: lower, upper: cat { $0.topKBounds?.upper }, tailMass: tail, k: first.table.topKBounds?.k ?? 0)
    }
    nonFiniteRows = sorted.map(\.table.nonFiniteRows).reduce(0, +)
    nonFiniteExamples = Array(sorted.flatMap(\.table.nonFiniteExamples).prefix(8))
  }

  /// The flat position range of shard `index` of `count`: whole sequences (rows b) for a [B, T]
  /// dump, contiguous positions for an [N] dump, split as evenly as possible.
  ///
  /// - Complexity: O(1).
  public static func shardRange(index: Int, of count: Int, positionShape: [Int]) -> Range<Int> {
    precondition(count >= 1 && index >= 0 && index < count, "shard \(index)/\(count) is invalid")
    let rows = positionShape[0]
    let rowLength = positionShape.count == 2 ? positionShape[1] : 1
    let lo = rows * index / count, hi = rows * (index + 1) / count
    return (lo * rowLength)..<(hi * rowLength)
  }
}
