// DeltaH — entropy change of softmax policies.

import LogitDumps

/// What a shard's partial records besides its per-position arrays, so that `deltah merge` can
/// reproduce the unsharded run and refuse mixtures: the source dump (path as given and its
/// ``DumpIdentity``), its step, the analysis options with η and η's source, the shard, and what
/// the dump told about itself (tensors read and ignored, impossible logged values).
public struct PartialProvenance: Sendable, Equatable {
  /// The dump's path as given to `analyze` (the merged report names it, as the unsharded one).
  public var source: String
  /// ``DumpIdentity`` of the dump, in its stored form.
  public var identity: String
  /// The dump's metadata step.
  public var step: Int?
  /// Every analysis setting, with η and its source.
  public var options: AnalysisOptions
  /// Shard index and count, nil for a merged table.
  public var shard: (index: Int, count: Int)?
  /// The dump's tensors read and ignored.
  public var tensorsRead: [TensorRead]
  public var ignoredTensors: [String]
  /// Impossible logged values in this shard (summed by merge).
  public var impossibleValues: ImpossibleLoggedValues
  /// The dump's metadata near-miss warnings (``LogitDump/metadataWarnings``).
  public var metadataWarnings: [String] = []

  public init(
    source: String, identity: String, step: Int?, options: AnalysisOptions, shard: (index: Int, count: Int)?,
    tensorsRead: [TensorRead], ignoredTensors: [String], impossibleValues: ImpossibleLoggedValues
  ) {
    self.source = source
    self.identity = identity
    self.step = step
    self.options = options
    self.shard = shard
    self.tensorsRead = tensorsRead
    self.ignoredTensors = ignoredTensors
    self.impossibleValues = impossibleValues
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.source == b.source && a.identity == b.identity && a.step == b.step && a.options == b.options
      && a.shard?.index == b.shard?.index && a.shard?.count == b.shard?.count && a.tensorsRead == b.tensorsRead
      && a.ignoredTensors == b.ignoredTensors && a.impossibleValues == b.impossibleValues
  }

  /// The settings that must agree between the partials of one merge, as "key = value" lines.
  var comparableSettings: [(String, String)] {
    [
      ("source dump identity", identity), ("step", step.map(String.init) ?? "none"),
      ("lr", "\(options.learningRate) (\(options.learningRateSource.rawValue))"),
      ("kl-cov-ratio", "\(options.klCovRatio)"), ("clip-cov-ratio", "\(options.clipCovRatio)"),
      ("clip-cov-bounds", "\(options.clipCovBounds.lower),\(options.clipCovBounds.upper)"),
      ("micro-batch", options.microBatch.map(String.init) ?? "none"), ("seed", "\(options.seed)"),
      ("shard count", shard.map { "\($0.count)" } ?? "none"),
      ("tensors read", tensorsRead.map(\.description).joined(separator: ", ")),
      ("ignored tensors", ignoredTensors.joined(separator: ", ")),
    ]
  }
}

/// A shard's per-position table saved for `deltah merge`, with its ``PartialProvenance``: every
/// array of the ``PositionTable`` as a safetensors tensor (F64 / I64 / U8) plus metadata. Batch
/// statistics of the merged table are computed from the concatenated per-position values, so
/// merging is exact: the same numbers as analysing the whole dump at once.
public struct AnalysisPartial: Sendable {
  /// The file it was read from (or "" before writing).
  public var path: String
  public var table: PositionTable
  public var provenance: PartialProvenance

  static let format = "deltah-partial-2"

  /// Whether the file at `path` is an analyze partial of this version (its metadata 'format' is
  /// `deltah-partial-2`); other fields are not checked.
  ///
  /// - Throws: ``DumpError`` when the file is not a readable tensor archive.
  /// - Complexity: O(header size).
  public static func isAnalysisPartial(at path: String) throws(DumpError) -> Bool {
    try TensorArchive(path: path).metadata["format"] == format
  }

  public init(path: String = "", table: PositionTable, provenance: PartialProvenance) {
    self.path = path
    self.table = table
    self.provenance = provenance
  }

  /// Writes the partial (atomically: temporary file, then rename).
  ///
  /// - Throws: ``DumpError`` when the file cannot be written.
  /// - Complexity: O(N).
  public func write(to path: String) throws(DumpError) {
    let t = table, p = provenance, o = p.options
    let n = [t.count]
    let impossible = p.impossibleValues
    var w = SafetensorsWriter(metadata: [
      "format": Self.format, "source": p.source, "source_identity": p.identity,
      "temperature": "\(t.temperature)", "step": p.step.map(String.init) ?? "",
      "position_shape": t.positionShape.map(String.init).joined(separator: ","),
      "entropy_source": t.entropySource.rawValue, "non_finite_rows": "\(t.nonFiniteRows)",
      "non_finite_examples": t.nonFiniteExamples.map(String.init).joined(separator: ","),
      "lr": "\(o.learningRate)", "lr_source": o.learningRateSource.rawValue,
      "temperature_source": o.temperatureSource?.rawValue ?? "",
      "kl_cov_ratio": "\(o.klCovRatio)", "clip_cov_ratio": "\(o.clipCovRatio)",
      "clip_cov_bounds": "\(o.clipCovBounds.lower),\(o.clipCovBounds.upper)",
      "micro_batch": o.microBatch.map(String.init) ?? "", "seed": "\(o.seed)",
      "steer_weight_range": "\(o.steerWeightRange.lower),\(o.steerWeightRange.upper)",
      "shard": p.shard.map { "\($0.index)/\($0.count)" } ?? "",
      "tensors_read": p.tensorsRead.map { "\($0.field)\u{1F}\($0.tensor)\u{1F}\($0.shape.map(String.init).joined(separator: ","))\u{1F}\($0.type)" }.joined(separator: "\u{1E}"),
      "ignored_tensors": p.ignoredTensors.joined(separator: "\u{1E}"),
      "metadata_warnings": p.metadataWarnings.joined(separator: "\u{1E}"),
      "impossible_values": "\(impossible.negativeEntropies),\(impossible.mostNegativeEntropy),\(impossible.positiveLogProbabilities),\(impossible.largestLogProbability),\(impossible.topKRowsAboveOne),\(impossible.largestTopKMass)",
    ])
    w.add("positions", t.positions.map { Int64($0) }, shape: n)
    w.add("valid", t.valid.map { $0 ? UInt8(1) : 0 }, shape: n)
    w.add("sequence_ids", t.sequenceIDs, shape: n)
    w.add("entropy", t.entropy, shape: n)
    for (name, values) in Self.optionalDoubles(t) { if let values { w.add(name, values, shape: n) } }
    if let ids = t.tokenIDs { w.add("token_ids", ids, shape: n) }
    if let ids = t.groupIDs { w.add("group_ids", ids, shape: n) }
    if let k = t.topKBounds?.k { w.metadata["topk_k"] = "\(k)" }
    try w.write(to: path)
  }

  static func optionalDoubles(_ t: PositionTable) -> [(String, [Double]?)] {
    [
      ("advantages", t.advantages), ("logprob", t.logProbability), ("sum_pi_squared", t.sumSquaredProbabilities),
      ("expected_discriminator", t.expectedDiscriminator), ("sampled_discriminator", t.sampledDiscriminator),
      ("top_two_gap", t.topTwoGap), ("logged_entropy", t.loggedEntropy), ("logged_logprobs", t.loggedLogProbability),
      ("old_logprobs", t.oldLogProbability), ("topk_lower", t.topKBounds?.lower), ("topk_upper", t.topKBounds?.upper),
      ("topk_tail_mass", t.topKBounds?.tailMass),
    ]
  }

  /// Reads and validates a partial written by ``write(to:)``.
  ///
  /// Checked (each failure a ``DumpError`` naming the file and, where one is at fault, the
  /// tensor or metadata key): the format; position shape of rank 1 or 2 with positive dimensions
  /// whose product fits in `Int`; positions strictly ascending inside the shape; every tensor one
  /// element per position; T finite, > 0, with 1/T finite; η finite; every setting in its range;
  /// counts ≥ 0 and ≤ the positions held; finite values at valid positions.
  ///
  /// - Throws: ``DumpError``.
  /// - Complexity: O(N).
  public init(path: String) throws(DumpError) {
    let archive = try TensorArchive(path: path)
    let m = archive.metadata
    func fail(_ key: String?, _ problem: String) -> DumpError {
      DumpError(file: path, tensor: nil, problem: (key.map { "metadata '\($0)' " } ?? "") + problem)
    }
    guard m["format"] == Self.format else {
      if m["format"] == "deltah-partial-1" {
        throw fail(nil, "is a partial of an older deltah (format deltah-partial-1, without lr, step, settings and source identity); write it again with this version")
      }
      throw fail(nil, "not a DeltaH analyze partial (metadata 'format' is not \(Self.format))")
    }
    func tensor(_ name: String) throws(DumpError) -> Tensor {
      guard let t = archive[name] else { throw DumpError(file: path, tensor: name, problem: "required tensor is missing") }
      return t
    }
    func doubles(_ name: String) throws(DumpError) -> [Double]? { try archive[name]?.doubles() }
    func number(_ key: String) throws(DumpError) -> Double {
      guard let text = m[key], let v = Double(text), v.isFinite else { throw fail(key, "= '\(m[key] ?? "")' is not a finite number") }
      return v
    }
    func ratio(_ key: String) throws(DumpError) -> Double {
      let v = try number(key)
      guard v > 0, v <= 1 else { throw fail(key, "= \(v) is outside (0, 1]") }
      return v
    }
    func bounds(_ key: String) throws(DumpError) -> AnalysisOptions.ClosedRangeBounds {
      let parts = (m[key] ?? "").split(separator: ",").map { Double($0) }
      guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, lo < hi else {
        throw fail(key, "= '\(m[key] ?? "")' is not two finite numbers lb < ub")
      }
      return .init(lower: lo, upper: hi)
    }
    let shape = try PartialValidation.positionShape(m["position_shape"], file: path)
    let total = shape.reduce(1, *)  // checked for overflow above
    let temperature = try PartialValidation.temperature(m["temperature"], file: path)

    var options = AnalysisOptions()
    options.learningRate = try number("lr")
    guard let lrSource = LearningRateSource(rawValue: m["lr_source"] ?? "") else { throw fail("lr_source", "= '\(m["lr_source"] ?? "")' is not flag, metadata or default") }
    options.learningRateSource = lrSource
    if let text = m["temperature_source"], !text.isEmpty {
      guard let source = LearningRateSource(rawValue: text) else { throw fail("temperature_source", "= '\(text)' is not flag, metadata or default") }
      options.temperatureSource = source
    }
    options.klCovRatio = try ratio("kl_cov_ratio")
    options.clipCovRatio = try ratio("clip_cov_ratio")
    options.clipCovBounds = try bounds("clip_cov_bounds")
    options.steerWeightRange = try bounds("steer_weight_range")
    if let text = m["micro_batch"], !text.isEmpty {
      guard let mb = Int(text), mb >= 1 else { throw fail("micro_batch", "= '\(text)' is not an integer ≥ 1") }
      options.microBatch = mb
    }
    guard let seed = UInt64(m["seed"] ?? "") else { throw fail("seed", "= '\(m["seed"] ?? "")' is not an unsigned integer") }
    options.seed = seed
    var step: Int?
    if let text = m["step"], !text.isEmpty {
      guard let s = Int(text) else { throw fail("step", "= '\(text)' is not an integer") }
      step = s
    }
    var shard: (index: Int, count: Int)?
    if let text = m["shard"], !text.isEmpty {
      let parts = text.split(separator: "/").map { Int($0) }
      guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 0, i < n else { throw fail("shard", "= '\(text)' is not i/n with 0 ≤ i < n") }
      shard = (i, n)
    }
    guard let identity = m["source_identity"], DumpIdentity(identity) != nil else {
      throw fail("source_identity", "= '\(m["source_identity"] ?? "")' is not a dump identity (bytes:hash)")
    }
    guard let source = m["source"] else { throw fail("source", "is missing") }
    guard let entropySource = PositionTable.EntropySource(rawValue: m["entropy_source"] ?? "") else {
      throw fail("entropy_source", "= '\(m["entropy_source"] ?? "")' is not logits, logged or none")
    }
    var tensorsRead: [TensorRead] = []
    for entry in (m["tensors_read"] ?? "").split(separator: "\u{1E}") {
      let f = entry.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
      guard f.count == 4 else { throw fail("tensors_read", "is malformed") }
      tensorsRead.append(TensorRead(field: f[0], tensor: f[1], shape: f[2].split(separator: ",").compactMap { Int($0) }, type: f[3]))
    }
    let ignored = (m["ignored_tensors"] ?? "").split(separator: "\u{1E}").map(String.init)
    let counts = (m["impossible_values"] ?? "").split(separator: ",").map { Double($0) }
    guard counts.count == 6, counts.allSatisfy({ $0 != nil && $0!.isFinite }), [0, 2, 4].allSatisfy({ counts[$0]! >= 0 && counts[$0]! <= Double(Int32.max) && counts[$0]!.rounded() == counts[$0]! }) else {
      throw fail("impossible_values", "= '\(m["impossible_values"] ?? "")' is not six finite numbers with non-negative counts")
    }
    var impossible = ImpossibleLoggedValues()
    impossible.negativeEntropies = Int(counts[0]!)
    impossible.mostNegativeEntropy = counts[1]!
    impossible.positiveLogProbabilities = Int(counts[2]!)
    impossible.largestLogProbability = counts[3]!
    impossible.topKRowsAboveOne = Int(counts[4]!)
    impossible.largestTopKMass = counts[5]!

    let positionsTensor = try tensor("positions")
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
    guard let nonFinite = Int(m["non_finite_rows"] ?? ""), nonFinite >= 0, nonFinite <= n else {
      throw fail("non_finite_rows", "= '\(m["non_finite_rows"] ?? "")' is not a count in 0…\(n)")
    }
    var examples: [Int] = []
    for text in (m["non_finite_examples"] ?? "").split(separator: ",") {
      guard let e = Int(text), e >= 0, e < total else { throw fail("non_finite_examples", "holds '\(text)', not a position in 0..<\(total)") }
      examples.append(e)
    }
    var topKBounds: TopKEntropyBounds?
    if let lower = try doubles("topk_lower"), let tail = try doubles("topk_tail_mass") {
      guard let k = Int(m["topk_k"] ?? ""), k >= 1 else { throw fail("topk_k", "= '\(m["topk_k"] ?? "")' is not an integer ≥ 1") }
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
    // Values at valid positions must be finite (a crafted NaN would otherwise reach the results).
    var checked: [(String, [Double])] = Self.optionalDoubles(table).compactMap { name, v in v.map { (name, $0) } }
    if entropySource != .none { checked.append(("entropy", table.entropy)) }
    for (name, values) in checked {
      if name == "top_two_gap" { continue }  // +∞ for a vocabulary of one
      if let i = values.indices.first(where: { valid[$0] && !values[$0].isFinite }) {
        throw DumpError(file: path, tensor: name, problem: "value at position \(positions[i]) is \(values[i]); valid positions need finite values")
      }
    }
    self.path = path
    self.table = table
    self.provenance = PartialProvenance(
      source: source, identity: identity, step: step, options: options, shard: shard, tensorsRead: tensorsRead,
      ignoredTensors: ignored, impossibleValues: impossible)
    self.provenance.metadataWarnings = (m["metadata_warnings"] ?? "").split(separator: "\u{1E}").map(String.init)
  }

  /// Concatenates partials of one dump in position order.
  ///
  /// - Throws: ``DumpError`` when the partials come from different dumps (identity), steps or
  ///   settings, disagree in shape, temperature or tensors, or overlap.
  /// - Complexity: O(N log N).
  public init(merging parts: [AnalysisPartial]) throws(DumpError) {
    guard let first = parts.first else { throw DumpError(file: "", problem: "no partial to merge") }
    let sorted = parts.sorted { ($0.table.positions.first ?? 0) < ($1.table.positions.first ?? 0) }
    for p in parts.dropFirst() {
      for ((key, a), (_, b)) in zip(first.provenance.comparableSettings, p.provenance.comparableSettings) where a != b {
        throw DumpError(file: p.path, problem: "does not match \(first.path): \(key) is '\(b)' here and '\(a)' there; merge only partials of one dump written with the same settings")
      }
      let t = p.table, f = first.table
      guard t.positionShape == f.positionShape, t.temperature == f.temperature, t.entropySource == f.entropySource,
        t.topKBounds?.k == f.topKBounds?.k,
        Self.optionalDoubles(t).map({ $0.1 == nil }) == Self.optionalDoubles(f).map({ $0.1 == nil }),
        (t.tokenIDs == nil) == (f.tokenIDs == nil), (t.groupIDs == nil) == (f.groupIDs == nil)
      else {
        throw DumpError(file: p.path, problem: "does not match \(first.path): partials must come from the same dump with the same options (shape, temperature, tensors)")
      }
    }
    let tables = sorted.map(\.table)
    func cat<T>(_ key: (PositionTable) -> [T]?) -> [T]? {
      let arrays = tables.map(key)
      return arrays.contains { $0 == nil } ? nil : arrays.flatMap { $0! }
    }
    var merged = first.table
    merged.positions = cat { $0.positions }!
    for (a, b) in zip(merged.positions, merged.positions.dropFirst()) where a >= b {
      throw DumpError(file: sorted.map(\.path).joined(separator: ", "), problem: "partials overlap at position \(b)")
    }
    merged.valid = cat { $0.valid }!
    merged.sequenceIDs = cat { $0.sequenceIDs }!
    merged.entropy = cat { $0.entropy }!
    merged.tokenIDs = cat { $0.tokenIDs }
    merged.advantages = cat { $0.advantages }
    merged.groupIDs = cat { $0.groupIDs }
    merged.logProbability = cat { $0.logProbability }
    merged.sumSquaredProbabilities = cat { $0.sumSquaredProbabilities }
    merged.expectedDiscriminator = cat { $0.expectedDiscriminator }
    merged.sampledDiscriminator = cat { $0.sampledDiscriminator }
    merged.topTwoGap = cat { $0.topTwoGap }
    merged.loggedEntropy = cat { $0.loggedEntropy }
    merged.loggedLogProbability = cat { $0.loggedLogProbability }
    merged.oldLogProbability = cat { $0.oldLogProbability }
    if let lower = cat({ $0.topKBounds?.lower }), let tail = cat({ $0.topKBounds?.tailMass }) {
      merged.topKBounds = TopKEntropyBounds(lower: lower, upper: cat { $0.topKBounds?.upper }, tailMass: tail, k: first.table.topKBounds?.k ?? 0)
    }
    let (rows, overflow) = tables.reduce((0, false)) { acc, t in
      let (s, o) = acc.0.addingReportingOverflow(t.nonFiniteRows)
      return (s, acc.1 || o)
    }
    guard !overflow else { throw DumpError(file: first.path, problem: "metadata 'non_finite_rows' of the partials overflow when summed") }
    merged.nonFiniteRows = rows
    merged.nonFiniteExamples = Array(tables.flatMap(\.nonFiniteExamples).prefix(8))
    var provenance = first.provenance
    provenance.shard = nil
    provenance.impossibleValues = ImpossibleLoggedValues(merging: sorted.map(\.provenance.impossibleValues))
    self.init(path: sorted.map(\.path).joined(separator: ","), table: merged, provenance: provenance)
  }

  /// The analysis of a merged table, with η, step and the dump facts of the partials: the same
  /// summary as analysing the source dump in one run.
  ///
  /// - Throws: ``DumpError`` as ``BatchAnalysis/init(table:file:step:options:)``.
  public func analysis(options: AnalysisOptions? = nil) throws(DumpError) -> BatchAnalysis {
    var a = try BatchAnalysis(table: table, file: provenance.source, step: provenance.step, options: options ?? provenance.options)
    a.appendDumpFacts(
      tensorsRead: provenance.tensorsRead, ignoredTensors: provenance.ignoredTensors, impossible: provenance.impossibleValues,
      metadataWarnings: provenance.metadataWarnings)
    return a
  }
}

extension PositionTable {
  /// The flat position range of shard `index` of `count`: whole sequences (rows b) for a [B, T]
  /// dump, contiguous positions for an [N] dump, split as evenly as possible
  /// (rows·index/count … rows·(index+1)/count, computed in full width so no product overflows).
  ///
  /// - Complexity: O(1).
  public static func shardRange(index: Int, of count: Int, positionShape: [Int]) -> Range<Int> {
    precondition(count >= 1 && index >= 0 && index < count, "shard \(index)/\(count) is invalid")
    let rows = positionShape[0]
    let rowLength = positionShape.count == 2 ? positionShape[1] : 1
    func bound(_ i: Int) -> Int {
      let product = rows.multipliedFullWidth(by: i)
      return count.dividingFullWidth((product.high, product.low)).quotient
    }
    return (bound(index) * rowLength)..<(bound(index + 1) * rowLength)
  }
}

/// Checks of partial metadata shared by analyze and compare partials.
enum PartialValidation {
  /// A position shape of rank 1 or 2, positive dimensions, product within `Int`.
  static func positionShape(_ text: String?, file: String) throws(DumpError) -> [Int] {
    let parts = (text ?? "").split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    guard (1...2).contains(parts.count), parts.allSatisfy({ $0 != nil && $0! >= 1 }) else {
      throw DumpError(file: file, problem: "metadata 'position_shape' = '\(text ?? "")' is not one or two positive integers")
    }
    var total = 1
    for d in parts {
      let (p, overflow) = total.multipliedReportingOverflow(by: d!)
      guard !overflow else { throw DumpError(file: file, problem: "metadata 'position_shape' = '\(text ?? "")' overflows: its product exceeds \(Int.max)") }
      total = p
    }
    return parts.map { $0! }
  }

  /// T finite, > 0, with 1/T finite.
  static func temperature(_ text: String?, file: String) throws(DumpError) -> Double {
    guard let t = text.flatMap(Double.init), t.isFinite, t > 0, (1 / t).isFinite else {
      throw DumpError(file: file, problem: "metadata 'temperature' = '\(text ?? "")' is not a finite number > 0 with a finite reciprocal")
    }
    return t
  }
}

extension ImpossibleLoggedValues {
  /// No impossible values.
  public init() {}

  /// The counts of several shards summed, their extremes combined.
  public init(merging parts: [ImpossibleLoggedValues]) {
    for p in parts {
      negativeEntropies += p.negativeEntropies
      mostNegativeEntropy = Swift.min(mostNegativeEntropy, p.mostNegativeEntropy)
      positiveLogProbabilities += p.positiveLogProbabilities
      largestLogProbability = Swift.max(largestLogProbability, p.largestLogProbability)
      topKRowsAboveOne += p.topKRowsAboveOne
      largestTopKMass = Swift.max(largestTopKMass, p.largestTopKMass)
    }
  }
}
