// DeltaH — entropy change of softmax policies.

import LogitDumps

/// A shard of `deltah compare` saved for `deltah merge`: the per-position arrays of a
/// ``CheckpointComparison`` over the shard's positions, with both dumps' paths and
/// ``DumpIdentity``s, the temperature and the position shape. Merging concatenates the arrays and
/// computes the summary once, so the merged result equals the unsharded comparison exactly.
public struct ComparisonPartial: Sendable {
  /// The file it was read from ("" before writing).
  public var path: String
  public var comparison: CheckpointComparison
  /// ``DumpIdentity`` of each dump, in stored form.
  public var beforeIdentity: String
  public var afterIdentity: String
  /// Shard index and count, nil for a merged comparison.
  public var shard: (index: Int, count: Int)?

  static let format = "deltah-compare-partial-1"

  public init(path: String = "", comparison: CheckpointComparison, beforeIdentity: String, afterIdentity: String, shard: (index: Int, count: Int)?) {
    self.path = path
    self.comparison = comparison
    self.beforeIdentity = beforeIdentity
    self.afterIdentity = afterIdentity
    self.shard = shard
  }

  /// Whether the file at `path` is a compare partial (by its metadata `format`).
  ///
  /// - Throws: ``DumpError`` when the file cannot be opened as safetensors.
  /// - Complexity: O(header size); the data is not read.
  public static func isComparisonPartial(at path: String) throws(DumpError) -> Bool {
    try TensorArchive(path: path).metadata["format"] == format
  }

  /// Writes the partial atomically.
  ///
  /// - Throws: ``DumpError`` when the shard is not 0 ≤ i < n (nothing is written; `merge` would
  ///   refuse it), or the file cannot be written.
  /// - Complexity: O(N).
  public func write(to path: String) throws(DumpError) {
    if let (i, n) = shard, !(n >= 1 && i >= 0 && i < n) {
      throw DumpError(file: path, problem: "shard \(i)/\(n) is outside 0 ≤ i < n ≥ 1; no partial written")
    }
    let c = comparison, s = c.summary
    let n = [c.positions.count]
    var w = SafetensorsWriter(metadata: [
      "format": Self.format, "before": s.before, "after": s.after, "before_identity": beforeIdentity,
      "after_identity": afterIdentity, "temperature": "\(s.temperature)", "temperature_source": s.temperatureSource ?? "",
      "position_shape": c.positionShape.map(String.init).joined(separator: ","), "non_finite_rows": "\(s.nonFiniteRows)",
      "shard": shard.map { "\($0.index)/\($0.count)" } ?? "",
      "warnings": (s.warnings ?? []).joined(separator: "\u{1E}"),
    ])
    w.add("positions", c.positions.map { Int64($0) }, shape: n)
    w.add("valid", c.valid.map { $0 ? UInt8(1) : 0 }, shape: n)
    for (name, values) in Self.arrays(c) { w.add(name, values, shape: n) }
    try w.write(to: path)
  }

  static func arrays(_ c: CheckpointComparison) -> [(String, [Double])] {
    [
      ("delta_actual", c.deltaActual), ("delta_first_order", c.deltaFirstOrder), ("delta_second_order", c.deltaSecondOrder),
      ("local_kl", c.localKL), ("exact_kl", c.exactKL),
    ]
  }

  /// Reads and validates a compare partial: format; position shape (rank 1 or 2, positive, no
  /// overflow); positions strictly ascending inside it; one element per position in every
  /// tensor; T finite, > 0, 1/T finite; `non_finite_rows` in 0…N; finite values at valid
  /// positions; identities well formed.
  ///
  /// - Throws: ``DumpError`` naming the file and the tensor or metadata key at fault.
  /// - Complexity: O(N).
  public init(path: String) throws(DumpError) {
    let archive = try TensorArchive(path: path)
    let m = archive.metadata
    guard m["format"] == Self.format else {
      throw DumpError(file: path, problem: "not a DeltaH compare partial (metadata 'format' is not \(Self.format))")
    }
    let shape = try PartialValidation.positionShape(m["position_shape"], file: path)
    let total = shape.reduce(1, *)
    let temperature = try PartialValidation.temperature(m["temperature"], file: path)
    for key in ["before_identity", "after_identity"] where DumpIdentity(m[key] ?? "") == nil {
      throw DumpError(file: path, problem: "metadata '\(key)' = '\(m[key] ?? "")' is not a dump identity (bytes:hash)")
    }
    guard let before = m["before"], let after = m["after"] else { throw DumpError(file: path, problem: "metadata 'before'/'after' is missing") }
    var shard: (index: Int, count: Int)?
    if let text = m["shard"], !text.isEmpty {
      let parts = text.split(separator: "/").map { Int($0) }
      guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 0, i < n else {
        throw DumpError(file: path, problem: "metadata 'shard' = '\(text)' is not i/n with 0 ≤ i < n")
      }
      shard = (i, n)
    }
    guard let positionsTensor = archive["positions"] else { throw DumpError(file: path, tensor: "positions", problem: "required tensor is missing") }
    let n = positionsTensor.descriptor.elementCount
    for t in archive.tensors where t.descriptor.elementCount != n {
      throw DumpError(file: path, tensor: t.name, problem: "has \(t.descriptor.elementCount) elements, the partial has \(n) positions")
    }
    var positions: [Int] = []
    for (i, p) in try positionsTensor.int64s().enumerated() {
      guard p >= 0, p < Int64(total) else {
        throw DumpError(file: path, tensor: "positions", problem: "position \(p) at index \(i) is outside the position shape \(shape) (0..<\(total))")
      }
      if let last = positions.last, Int(p) <= last { throw DumpError(file: path, tensor: "positions", problem: "positions are not strictly ascending at index \(i)") }
      positions.append(Int(p))
    }
    guard let nonFinite = Int(m["non_finite_rows"] ?? ""), nonFinite >= 0, nonFinite <= n else {
      throw DumpError(file: path, problem: "metadata 'non_finite_rows' = '\(m["non_finite_rows"] ?? "")' is not a count in 0…\(n)")
    }
    guard let validTensor = archive["valid"] else { throw DumpError(file: path, tensor: "valid", problem: "required tensor is missing") }
    let valid = try validTensor.bools()
    var arrays: [String: [Double]] = [:]
    for name in ["delta_actual", "delta_first_order", "delta_second_order", "local_kl", "exact_kl"] {
      guard let t = archive[name] else { throw DumpError(file: path, tensor: name, problem: "required tensor is missing") }
      let values = try t.doubles()
      if let i = values.indices.first(where: { valid[$0] && !values[$0].isFinite }) {
        throw DumpError(file: path, tensor: name, problem: "value at position \(positions[i]) is \(values[i]); valid positions need finite values")
      }
      arrays[name] = values
    }
    var comparison = CheckpointComparison(
      before: before, after: after, temperature: temperature, positionShape: shape, positions: positions, valid: valid,
      deltaActual: arrays["delta_actual"]!, deltaFirstOrder: arrays["delta_first_order"]!,
      deltaSecondOrder: arrays["delta_second_order"]!, localKL: arrays["local_kl"]!, exactKL: arrays["exact_kl"]!,
      nonFiniteRows: nonFinite)
    comparison.summary.warnings = (m["warnings"] ?? "").split(separator: "\u{1E}").map(String.init)
    // Partials written before the source was recorded have none (the merged summary then has none).
    if let source = m["temperature_source"], !source.isEmpty {
      guard LearningRateSource(rawValue: source) != nil else {
        throw DumpError(file: path, problem: "metadata 'temperature_source' = '\(source)' is not flag, metadata or default")
      }
      comparison.summary.temperatureSource = source
    }
    self.init(path: path, comparison: comparison, beforeIdentity: m["before_identity"]!, afterIdentity: m["after_identity"]!, shard: shard)
  }

  /// Concatenates compare partials of one pair of dumps in position order.
  ///
  /// - Throws: ``DumpError`` when they come from different dumps (paths or identities),
  ///   temperatures, shapes or shard counts, overlap, or none is valid.
  /// - Complexity: O(N log N).
  public init(merging parts: [ComparisonPartial]) throws(DumpError) {
    guard let first = parts.first else { throw DumpError(file: "", problem: "no partial to merge") }
    func facts(_ p: ComparisonPartial) -> [(String, String)] {
      let s = p.comparison.summary
      return [
        ("before dump", s.before), ("after dump", s.after), ("before identity", p.beforeIdentity),
        ("after identity", p.afterIdentity), ("temperature", "\(s.temperature)"), ("temperature source", s.temperatureSource ?? "none"),
        ("warnings", (s.warnings ?? []).joined(separator: "; ")),
        ("position shape", "\(p.comparison.positionShape)"), ("shard count", p.shard.map { "\($0.count)" } ?? "none"),
      ]
    }
    for p in parts.dropFirst() {
      for ((key, a), (_, b)) in zip(facts(first), facts(p)) where a != b {
        throw DumpError(file: p.path, problem: "does not match \(first.path): \(key) is '\(b)' here and '\(a)' there; merge only partials of one comparison")
      }
    }
    let sorted = parts.sorted { ($0.comparison.positions.first ?? 0) < ($1.comparison.positions.first ?? 0) }
    let cs = sorted.map(\.comparison)
    let positions = cs.flatMap(\.positions)
    for (a, b) in zip(positions, positions.dropFirst()) where a >= b {
      throw DumpError(file: sorted.map(\.path).joined(separator: ", "), problem: "partials overlap at position \(b)")
    }
    let valid = cs.flatMap(\.valid)
    guard valid.contains(true) else {
      throw DumpError(file: sorted.map(\.path).joined(separator: ", "), tensor: "valid", problem: "the merged batch is empty: no valid position")
    }
    var nonFinite = 0
    for c in cs {
      let (s, overflow) = nonFinite.addingReportingOverflow(c.summary.nonFiniteRows)
      guard !overflow else { throw DumpError(file: first.path, problem: "metadata 'non_finite_rows' of the partials overflow when summed") }
      nonFinite = s
    }
    let s = first.comparison.summary
    var merged = CheckpointComparison(
      before: s.before, after: s.after, temperature: s.temperature, positionShape: first.comparison.positionShape,
      positions: positions, valid: valid, deltaActual: cs.flatMap(\.deltaActual), deltaFirstOrder: cs.flatMap(\.deltaFirstOrder),
      deltaSecondOrder: cs.flatMap(\.deltaSecondOrder), localKL: cs.flatMap(\.localKL), exactKL: cs.flatMap(\.exactKL),
      nonFiniteRows: nonFinite)
    merged.summary.warnings = s.warnings
    merged.summary.temperatureSource = s.temperatureSource
    self.init(path: sorted.map(\.path).joined(separator: ","), comparison: merged, beforeIdentity: first.beforeIdentity, afterIdentity: first.afterIdentity, shard: nil)
  }
}

extension CheckpointComparison {
  /// Compares two dumps (see ``init(before:after:temperature:range:progress:)``) at `temperature`,
  /// else the before dump's metadata `temperature`, else 1 (the summary's `temperatureSource`
  /// says which), and records in the summary's warnings
  /// every tensor of either dump that the contract does not use, a default T = 1 (neither given
  /// nor in the metadata), metadata temperatures of the two dumps that disagree, and masks that
  /// differ (``maskDisagreementWarning(before:after:)``).
  ///
  /// - Throws: ``DumpError`` as that initializer, or when a mask cannot be read.
  /// - Complexity: as that initializer, plus O(N) over all N positions for the mask check.
  public static func comparing(
    before: LogitDump, after: LogitDump, temperature: Double? = nil, range: Range<Int>? = nil,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(DumpError) -> CheckpointComparison {
    let t = temperature ?? before.temperature
    var c = try CheckpointComparison(before: before, after: after, temperature: t, range: range, progress: progress)
    let source: LearningRateSource = temperature != nil ? .flag : (before.temperatureInMetadata ? .metadata : .default)
    c.summary.temperatureSource = source.rawValue
    var warnings = before.ignoredTensorWarnings.map { "\(before.path): \($0)" } + after.ignoredTensorWarnings.map { "\(after.path): \($0)" }
    warnings += before.metadataWarnings.map { "\(before.path): \($0)" } + after.metadataWarnings.map { "\(after.path): \($0)" }
    if temperature == nil, !before.temperatureInMetadata {
      warnings.append("T = 1 by default (no temperature given and no metadata 'temperature' in \(before.path)): if the trainer sampled and scored at T ≠ 1, give its temperature")
    }
    if before.temperatureInMetadata, after.temperatureInMetadata, before.temperature != after.temperature {
      warnings.append("the metadata temperatures differ: \(before.temperature) in \(before.path), \(after.temperature) in \(after.path); both are read at T = \(t)")
    }
    if let w = try maskDisagreementWarning(before: before, after: after) { warnings.append(w) }
    c.summary.warnings = warnings
    return c
  }

  /// A comparison from per-position arrays (a shard read back, or merged shards); the summary is
  /// computed over the valid positions.
  ///
  /// - Complexity: O(N).
  init(
    before: String, after: String, temperature: Double, positionShape: [Int], positions: [Int], valid: [Bool],
    deltaActual: [Double], deltaFirstOrder: [Double], deltaSecondOrder: [Double], localKL: [Double], exactKL: [Double],
    nonFiniteRows: Int
  ) {
    self.positions = positions
    self.valid = valid
    self.positionShape = positionShape
    self.deltaActual = deltaActual
    self.deltaFirstOrder = deltaFirstOrder
    self.deltaSecondOrder = deltaSecondOrder
    self.localKL = localKL
    self.exactKL = exactKL
    summary = Self.summary(
      before: before, after: after, temperature: temperature, valid: valid, deltaActual: deltaActual,
      deltaFirstOrder: deltaFirstOrder, deltaSecondOrder: deltaSecondOrder, localKL: localKL, exactKL: exactKL,
      nonFiniteRows: nonFiniteRows)
  }
}
