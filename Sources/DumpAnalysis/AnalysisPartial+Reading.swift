// DeltaH — entropy change of softmax policies.

import LogitDumps

extension AnalysisPartial {
  /// Reads and validates a partial written by ``write(to:)``.
  ///
  /// Checked (each failure a ``DumpError`` naming the file and, where one is at fault, the
  /// tensor or metadata key): the format; position shape of rank 1 or 2 with positive dimensions
  /// whose product fits in `Int`; positions strictly ascending inside the shape; every tensor one
  /// element per position; T finite, > 0, with 1/T finite; η finite and > 0; every setting in its
  /// domain (``AnalysisOptions/validate()``); counts ≥ 0 and ≤ the positions held; finite values
  /// at valid positions; top-k tail masses in [0, 1].
  ///
  /// - Throws: ``DumpError``.
  /// - Complexity: O(N).
  public init(path: String) throws(DumpError) {
    let archive = try TensorArchive(path: path)
    let m = PartialMetadata(values: archive.metadata, file: path)
    try m.checkFormat(Self.format)
    let shape = try PartialValidation.positionShape(m["position_shape"], file: path)
    let total = shape.reduce(1, *)  // checked for overflow above
    let temperature = try PartialValidation.temperature(m["temperature"], file: path)
    let options = try m.options()
    let (step, shard) = try m.stepAndShard()
    guard let identity = m["source_identity"], DumpIdentity(identity) != nil else {
      throw m.fail("source_identity", "= '\(m["source_identity"] ?? "")' is not a dump identity (bytes:hash)")
    }
    guard let source = m["source"] else { throw m.fail("source", "is missing") }
    guard let entropySource = PositionTable.EntropySource(rawValue: m["entropy_source"] ?? "") else {
      throw m.fail("entropy_source", "= '\(m["entropy_source"] ?? "")' is not logits, logged or none")
    }
    var provenance = PartialProvenance(
      source: source, identity: identity, step: step, options: options, shard: shard, tensorsRead: try m.tensorsRead(),
      ignoredTensors: (m["ignored_tensors"] ?? "").split(separator: "\u{1E}").map(String.init),
      impossibleValues: try m.impossibleValues())
    provenance.metadataWarnings = (m["metadata_warnings"] ?? "").split(separator: "\u{1E}").map(String.init)
    provenance.settingsWarnings = (m["settings_warnings"] ?? "").split(separator: "\u{1E}").map(String.init)
    let table = try Self.table(
      archive, metadata: m, shape: shape, total: total, temperature: temperature, entropySource: entropySource)
    self.init(path: path, table: table, provenance: provenance)
  }

  /// The position table of a partial: positions inside the shape and strictly ascending, one
  /// element per position in every tensor, the non-finite counts in range, finite values at valid
  /// positions, top-k tail masses in [0, 1].
  ///
  /// - Throws: ``DumpError`` naming the file and the tensor or metadata key at fault.
  /// - Complexity: O(N).
  static func table(
    _ archive: TensorArchive, metadata m: PartialMetadata, shape: [Int], total: Int, temperature: Double,
    entropySource: PositionTable.EntropySource
  ) throws(DumpError) -> PositionTable {
    let path = m.file
    func tensor(_ name: String) throws(DumpError) -> Tensor {
      guard let t = archive[name] else { throw DumpError(file: path, tensor: name, problem: "required tensor is missing") }
      return t
    }
    func doubles(_ name: String) throws(DumpError) -> [Double]? { try archive[name]?.doubles() }
    let positions = try Self.positions(archive, tensor: try tensor("positions"), shape: shape, total: total, file: path)
    let n = positions.count
    guard let nonFinite = Int(m["non_finite_rows"] ?? ""), nonFinite >= 0, nonFinite <= n else {
      throw m.fail("non_finite_rows", "= '\(m["non_finite_rows"] ?? "")' is not a count in 0…\(n)")
    }
    var examples: [Int] = []
    for text in (m["non_finite_examples"] ?? "").split(separator: ",") {
      guard let e = Int(text), e >= 0, e < total else { throw m.fail("non_finite_examples", "holds '\(text)', not a position in 0..<\(total)") }
      examples.append(e)
    }
    var topKBounds: TopKEntropyBounds?
    if let lower = try doubles("topk_lower"), let tail = try doubles("topk_tail_mass") {
      guard let k = Int(m["topk_k"] ?? ""), k >= 1 else { throw m.fail("topk_k", "= '\(m["topk_k"] ?? "")' is not an integer ≥ 1") }
      topKBounds = TopKEntropyBounds(lower: lower, upper: try doubles("topk_upper"), tailMass: tail, k: k)
    }
    let valid = try tensor("valid").bools()
    var table = PositionTable(
      positions: positions, positionShape: shape, temperature: temperature, valid: valid,
      tokenIDs: try archive["token_ids"]?.int64s(), advantages: try doubles("advantages"),
      sequenceIDs: try tensor("sequence_ids").int64s(), groupIDs: try archive["group_ids"]?.int64s(),
      entropy: try tensor("entropy").doubles(), entropySource: entropySource, logProbability: try doubles("logprob"),
      sumSquaredProbabilities: try doubles("sum_pi_squared"), expectedDiscriminator: try doubles("expected_discriminator"),
      sampledDiscriminator: try doubles("sampled_discriminator"), topTwoGap: try doubles("top_two_gap"),
      loggedEntropy: try doubles("logged_entropy"), loggedLogProbability: try doubles("logged_logprobs"),
      oldLogProbability: try doubles("old_logprobs"), topKBounds: topKBounds, nonFiniteRows: nonFinite,
      nonFiniteExamples: examples)
    table.topKBounds = topKBounds
    try checkFiniteAtValidPositions(table, file: path)
    if let tail = topKBounds?.tailMass, let i = tail.indices.first(where: { valid[$0] && !(tail[$0] >= 0 && tail[$0] <= 1) }) {
      throw DumpError(file: path, tensor: "topk_tail_mass", problem: "value at position \(positions[i]) is \(tail[i]); a tail mass 1 − Σ_j p_j lies in [0, 1]")
    }
    return table
  }

  /// The `positions` tensor: every tensor of the partial has one element per position, and the
  /// positions lie in 0..<total, strictly ascending.
  ///
  /// - Throws: ``DumpError`` naming the tensor at fault.
  /// - Complexity: O(N).
  static func positions(_ archive: TensorArchive, tensor positionsTensor: Tensor, shape: [Int], total: Int, file path: String) throws(DumpError) -> [Int] {
    let n = positionsTensor.descriptor.elementCount
    for t in archive.tensors where t.descriptor.elementCount != n {
      throw DumpError(file: path, tensor: t.name, problem: "has \(t.descriptor.elementCount) elements, the partial has \(n) positions")
    }
    let positions64 = try positionsTensor.int64s()
    var positions: [Int] = []
    positions.reserveCapacity(n)
    for (i, p) in positions64.enumerated() {
      guard p >= 0, p < Int64(total) else {
        throw DumpError(file: path, tensor: "positions", problem: "position \(p) at index \(i) is outside the position shape \(shape) (0..<\(total))")
      }
      if let last = positions.last, Int(p) <= last {
        throw DumpError(file: path, tensor: "positions", problem: "positions are not strictly ascending at index \(i)")
      }
      positions.append(Int(p))
    }
    return positions
  }

  /// Values at valid positions must be finite (a crafted NaN would otherwise reach the results);
  /// the top-1/top-2 gap may be +∞ (a vocabulary of one).
  ///
  /// - Throws: ``DumpError`` naming the first tensor with a non-finite value at a valid position.
  /// - Complexity: O(N · tensors).
  static func checkFiniteAtValidPositions(_ table: PositionTable, file path: String) throws(DumpError) {
    var checked: [(String, [Double])] = Self.optionalDoubles(table).compactMap { name, v in v.map { (name, $0) } }
    if table.entropySource != .none { checked.append(("entropy", table.entropy)) }
    for (name, values) in checked {
      if name == "top_two_gap" { continue }  // +∞ for a vocabulary of one
      if let i = values.indices.first(where: { table.valid[$0] && !values[$0].isFinite }) {
        throw DumpError(file: path, tensor: name, problem: "value at position \(table.positions[i]) is \(values[i]); valid positions need finite values")
      }
    }
  }
}

/// The metadata of an analyze partial, read key by key; every failure is a ``DumpError`` naming
/// the file and the key.
struct PartialMetadata {
  /// The metadata as stored.
  var values: [String: String]
  /// The partial's path, for errors.
  var file: String

  subscript(key: String) -> String? { values[key] }

  /// The error for metadata `key` (or the file, when nil) with `problem`.
  func fail(_ key: String?, _ problem: String) -> DumpError {
    DumpError(file: file, tensor: nil, problem: (key.map { "metadata '\($0)' " } ?? "") + problem)
  }

  /// The format must be `format`; an older partial format is named as such.
  func checkFormat(_ format: String) throws(DumpError) {
    guard values["format"] == format else {
      if values["format"] == "deltah-partial-1" {
        throw fail(nil, "is a partial of an older deltah (format deltah-partial-1, without lr, step, settings and source identity); write it again with this version")
      }
      throw fail(nil, "not a DeltaH analyze partial (metadata 'format' is not \(format))")
    }
  }

  func number(_ key: String) throws(DumpError) -> Double {
    guard let text = values[key], let v = Double(text), v.isFinite else { throw fail(key, "= '\(values[key] ?? "")' is not a finite number") }
    return v
  }

  func ratio(_ key: String) throws(DumpError) -> Double {
    let v = try number(key)
    guard v > 0, v <= 1 else { throw fail(key, "= \(v) is outside (0, 1]") }
    return v
  }

  func bounds(_ key: String, strict: Bool = true) throws(DumpError) -> AnalysisOptions.ClosedRangeBounds {
    let parts = (values[key] ?? "").split(separator: ",").map { Double($0) }
    guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, strict ? lo < hi : lo <= hi else {
      throw fail(key, "= '\(values[key] ?? "")' is not two finite numbers lb \(strict ? "<" : "≤") ub")
    }
    return .init(lower: lo, upper: hi)
  }

  /// The metadata key of each setting of ``AnalysisOptions`` a partial records.
  static let settingKeys = [
    "learningRate": "lr", "klCovRatio": "kl_cov_ratio", "clipCovRatio": "clip_cov_ratio",
    "clipCovBounds": "clip_cov_bounds", "microBatch": "micro_batch", "steerWeightRange": "steer_weight_range",
  ]

  /// The analysis options: η and its source, T's source, the ratios, bounds, micro-batch and seed.
  func options() throws(DumpError) -> AnalysisOptions {
    var options = AnalysisOptions()
    options.learningRate = try number("lr")
    guard let lrSource = LearningRateSource(rawValue: values["lr_source"] ?? "") else { throw fail("lr_source", "= '\(values["lr_source"] ?? "")' is not flag, metadata or default") }
    options.learningRateSource = lrSource
    if let text = values["temperature_source"], !text.isEmpty {
      guard let source = LearningRateSource(rawValue: text) else { throw fail("temperature_source", "= '\(text)' is not flag, metadata or default") }
      options.temperatureSource = source
    }
    options.klCovRatio = try ratio("kl_cov_ratio")
    options.clipCovRatio = try ratio("clip_cov_ratio")
    options.clipCovBounds = try bounds("clip_cov_bounds")
    options.steerWeightRange = try bounds("steer_weight_range", strict: false)
    if let text = values["micro_batch"], !text.isEmpty {
      guard let mb = Int(text), mb >= 1 else { throw fail("micro_batch", "= '\(text)' is not an integer ≥ 1") }
      options.microBatch = mb
    }
    guard let seed = UInt64(values["seed"] ?? "") else { throw fail("seed", "= '\(values["seed"] ?? "")' is not an unsigned integer") }
    options.seed = seed
    do {
      try options.validate()
    } catch {
      throw fail(Self.settingKeys[error.setting], "= \(error.value) is outside its domain: \(error.problem)")
    }
    return options
  }

  /// The dump's step (nil when empty) and the shard i/n (nil for a merged table).
  func stepAndShard() throws(DumpError) -> (step: Int?, shard: (index: Int, count: Int)?) {
    var step: Int?
    if let text = values["step"], !text.isEmpty {
      guard let s = Int(text) else { throw fail("step", "= '\(text)' is not an integer") }
      step = s
    }
    var shard: (index: Int, count: Int)?
    if let text = values["shard"], !text.isEmpty {
      let parts = text.split(separator: "/").map { Int($0) }
      guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 0, i < n else { throw fail("shard", "= '\(text)' is not i/n with 0 ≤ i < n") }
      shard = (i, n)
    }
    return (step, shard)
  }

  /// The tensors read, as ``AnalysisPartial/write(to:)`` joins them.
  func tensorsRead() throws(DumpError) -> [TensorRead] {
    var tensorsRead: [TensorRead] = []
    for entry in (values["tensors_read"] ?? "").split(separator: "\u{1E}") {
      let f = entry.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
      guard f.count == 4 else { throw fail("tensors_read", "is malformed") }
      tensorsRead.append(TensorRead(field: f[0], tensor: f[1], shape: f[2].split(separator: ",").compactMap { Int($0) }, type: f[3]))
    }
    return tensorsRead
  }

  /// The six impossible-value figures: three non-negative integral counts and their extremes.
  func impossibleValues() throws(DumpError) -> ImpossibleLoggedValues {
    let counts = (values["impossible_values"] ?? "").split(separator: ",").map { Double($0) }
    guard counts.count == 6, counts.allSatisfy({ $0 != nil && $0!.isFinite }), [0, 2, 4].allSatisfy({ counts[$0]! >= 0 && counts[$0]! <= Double(Int32.max) && counts[$0]!.rounded() == counts[$0]! }) else {
      throw fail("impossible_values", "= '\(values["impossible_values"] ?? "")' is not six finite numbers with non-negative counts")
    }
    var impossible = ImpossibleLoggedValues()
    impossible.negativeEntropies = Int(counts[0]!)
    impossible.mostNegativeEntropy = counts[1]!
    impossible.positiveLogProbabilities = Int(counts[2]!)
    impossible.largestLogProbability = counts[3]!
    impossible.topKRowsAboveOne = Int(counts[4]!)
    impossible.largestTopKMass = counts[5]!
    return impossible
  }
}
