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
  /// Warnings about the settings given for the dump (the temperature override of
  /// ``DumpPipeline/temperatureOverrideWarning(_:dump:)``), last in the merged summary as in the
  /// unsharded one.
  public var settingsWarnings: [String] = []

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
      "settings_warnings": p.settingsWarnings.joined(separator: "\u{1E}"),
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
  /// - Complexity: as ``BatchAnalysis/init(table:file:step:options:)`` (O(N log N)).
  public func analysis(options: AnalysisOptions? = nil) throws(DumpError) -> BatchAnalysis {
    var a = try BatchAnalysis(table: table, file: provenance.source, step: provenance.step, options: options ?? provenance.options)
    a.appendDumpFacts(
      tensorsRead: provenance.tensorsRead, ignoredTensors: provenance.ignoredTensors, impossible: provenance.impossibleValues,
      metadataWarnings: provenance.metadataWarnings)
    a.summary.warnings += provenance.settingsWarnings
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

  /// The counts of several shards summed, their extremes combined (min of the lowest entropies,
  /// max of the largest log-probabilities and top-k masses); no parts: no impossible values.
  ///
  /// - Complexity: O(number of parts).
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
