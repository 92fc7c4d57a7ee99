// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import LogitDumps

/// The result of `deltah compare --json` and of `deltah merge` of compare partials: the
/// comparison summary, its trust radius and, with a jvp dump, the linearised summary.
///
/// The JSON object is flat: it holds the keys of ``CheckpointComparison/Summary/CodingKeys``,
/// those of ``CheckpointComparison/TrustRadius`` (`trust_tolerance`, `outside_trust_radius_*`,
/// `median_trust_scale`, …) and, when present, those of
/// ``LinearizedComparison/Summary/CodingKeys``. The key sets are disjoint except `tokens` (the
/// valid positions, equal in the summary and the trust radius) and `warnings` (written once, the
/// summary's warnings followed by the linearised ones; see ``warnings``).
public struct ComparisonWithTrustRadius: Sendable, Codable {
  /// Actual ΔH against its first- and second-order predictions.
  public var summary: CheckpointComparison.Summary
  /// Where the first-order prediction holds (s* ≥ 1) at the chosen tolerance ε.
  public var trustRadius: CheckpointComparison.TrustRadius
  /// Lemma 1 on J·Δθ and the decomposition of the actual ΔH (`compare --linearized`), or nil.
  public var linearized: LinearizedComparison.Summary?

  public init(summary: CheckpointComparison.Summary, trustRadius: CheckpointComparison.TrustRadius, linearized: LinearizedComparison.Summary? = nil) {
    self.summary = summary
    self.trustRadius = trustRadius
    self.linearized = linearized
  }

  /// The keys that tell the parts apart when decoding; every other key belongs to the part
  /// whose `CodingKeys` name it.
  public enum CodingKeys: String, CodingKey {
    /// ε of the trust radius: present in every comparison DeltaH writes.
    case trustTolerance = "trust_tolerance"
    /// The linearised part is present exactly when this key is.
    case linearizedTokens = "linearized_tokens"
  }

  /// Writes the parts into one object, in the order summary, trust radius, linearised; the
  /// shared `warnings` key holds the summary's warnings followed by the linearised ones (each
  /// part alone would overwrite the other's).
  public func encode(to encoder: any Encoder) throws {
    var s = summary
    if let l = linearized { s.warnings = (summary.warnings ?? []) + l.warnings }
    try s.encode(to: encoder)
    try trustRadius.encode(to: encoder)
    if var l = linearized {
      l.warnings = s.warnings ?? []
      try l.encode(to: encoder)
    }
  }

  /// Reads the parts from one object; the linearised part when `linearized_tokens` is present.
  /// All warnings are the summary's (the linearised part's are empty), so none is shown twice.
  public init(from decoder: any Decoder) throws {
    summary = try CheckpointComparison.Summary(from: decoder)
    trustRadius = try CheckpointComparison.TrustRadius(from: decoder)
    let keys = try decoder.container(keyedBy: CodingKeys.self)
    linearized = keys.contains(.linearizedTokens) ? try LinearizedComparison.Summary(from: decoder) : nil
    linearized?.warnings = []
  }
}

/// What the caller chose for a checkpoint comparison; T left nil falls back to the before dump's
/// metadata (else 1, with a warning), with its source recorded.
public struct ComparisonSettings: Sendable {
  /// T applied to both dumps' logits; nil: the before dump's metadata 'temperature', else 1.
  public var temperature: Double?
  /// ε of the trust radius (finite, > 0).
  public var trustTolerance: Double
  /// Only these flat positions (a shard), or nil for all.
  public var range: Range<Int>?
  /// A jvp dump (J·Δθ as 'logits', the before dump's positions) for the linearised comparison.
  public var linearized: String?

  /// Settings with each property as documented above (defaults: T from metadata,
  /// ε = ``EntropyChange/defaultTrustTolerance`` (0.1), all positions, no linearised part).
  public init(
    temperature: Double? = nil, trustTolerance: Double = EntropyChange.defaultTrustTolerance, range: Range<Int>? = nil,
    linearized: String? = nil
  ) {
    self.temperature = temperature
    self.trustTolerance = trustTolerance
    self.range = range
    self.linearized = linearized
  }
}

extension DumpPipeline {
  /// One comparison of two dumps, with everything `compare` prints or writes.
  public struct Comparison: Sendable {
    /// The dumps compared.
    public let before: LogitDump
    public let after: LogitDump
    /// The per-position comparison (of the shard's positions, with a range).
    public let comparison: CheckpointComparison
    /// The linearised comparison, with a jvp dump.
    public let linearized: LinearizedComparison?
    /// T used and where it came from (`.flag`: given; `.metadata`: the before dump's;
    /// `.default`: 1, with a warning in the summary).
    public let temperature: Double
    public let temperatureSource: LearningRateSource
    /// Summary, trust radius and linearised summary, as `compare --json` writes them.
    public let result: ComparisonWithTrustRadius
    /// ε of the trust radius.
    public let trustTolerance: Double

    /// The per-position tensors of `--per-token`: the comparison's, `trust_scale` and, with a
    /// jvp dump, the linearised ones.
    ///
    /// - Complexity: O(N).
    public func perTokenWriter() -> SafetensorsWriter {
      var writer = comparison.perTokenWriter(trustTolerance: trustTolerance)
      linearized?.addPerToken(to: &writer)
      return writer
    }

    /// The shard's partial for `merge`, with both dumps' identities.
    ///
    /// - Complexity: that of ``DumpIdentity`` on both dumps.
    public func partial(shard: (index: Int, count: Int)) -> ComparisonPartial {
      ComparisonPartial(
        comparison: comparison, beforeIdentity: DumpIdentity(dump: before).description,
        afterIdentity: DumpIdentity(dump: after).description, shard: shard)
    }
  }

  /// Compares two dumps of the same positions (``CheckpointComparison/comparing(before:after:temperature:range:progress:)``,
  /// with its warnings), computes the trust radius at `settings.trustTolerance` and, with
  /// `settings.linearized`, opens the jvp dump and adds ``LinearizedComparison``.
  ///
  /// - Parameters:
  ///   - before: the dump at the earlier checkpoint.
  ///   - after: the dump at the later checkpoint.
  ///   - settings: T, ε, the shard's range and the jvp dump.
  ///   - progress: called with (positions done, positions) while comparing.
  /// - Throws: ``DumpError`` for a setting outside its domain (``ComparisonSettings/validate()``,
  ///   checked before anything is read, against the before dump), from the comparison, from
  ///   opening the jvp dump or from the linearised comparison.
  /// - Complexity: O(N · V) for N positions of V logits (twice with a jvp dump), plus
  ///   O(N log N) for the trust radius.
  public static func compare(
    before: LogitDump, after: LogitDump, settings: ComparisonSettings, progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(DumpError) -> Comparison {
    do { try settings.validate() } catch { throw DumpError(file: before.path, setting: error) }
    let comparison = try CheckpointComparison.comparing(
      before: before, after: after, temperature: settings.temperature, range: settings.range, progress: progress)
    let t = settings.temperature ?? before.temperature
    let linear = try settings.linearized.map { (path) throws(DumpError) in
      try LinearizedComparison(comparison: comparison, before: before, jvp: LogitDump(path: path), temperature: t)
    }
    let source = comparison.summary.temperatureSource.flatMap(LearningRateSource.init(rawValue:)) ?? .default
    let result = ComparisonWithTrustRadius(
      summary: comparison.summary, trustRadius: comparison.trustRadius(tolerance: settings.trustTolerance),
      linearized: linear?.summary)
    return Comparison(
      before: before, after: after, comparison: comparison, linearized: linear, temperature: t, temperatureSource: source,
      result: result, trustTolerance: settings.trustTolerance)
  }

  /// Merges compare partials (``ComparisonPartial/init(merging:)``) and computes the trust radius
  /// at `trustTolerance`. When the partials do not cover every position, the summary's warnings
  /// end with one that says so (as ``mergeAnalysis(_:options:)``'s), so the JSON, the table and a
  /// report of it carry it.
  ///
  /// - Throws: ``DumpError`` when the partials do not belong to one comparison, or when
  ///   `trustTolerance` is not finite and > 0 (against the first partial's path).
  /// - Complexity: O(N log N).
  public static func mergeComparison(
    _ partials: [ComparisonPartial], trustTolerance: Double
  ) throws(DumpError) -> (comparison: CheckpointComparison, result: ComparisonWithTrustRadius, coverage: ShardCoverage) {
    var c = try ComparisonPartial(merging: partials).comparison
    do { try ComparisonSettings.checkTrustTolerance(trustTolerance) } catch { throw DumpError(file: partials[0].path, setting: error) }
    let coverage = ShardCoverage(covered: c.positions.count, expected: c.positionShape.reduce(1, *))
    if !coverage.isComplete { c.summary.warnings = (c.summary.warnings ?? []) + ["\(coverage): the result is not the whole comparison's"] }
    let result = ComparisonWithTrustRadius(summary: c.summary, trustRadius: c.trustRadius(tolerance: trustTolerance))
    return (c, result, coverage)
  }

  /// Merges analyze partials (``AnalysisPartial/init(merging:)``) and analyses the merged table
  /// with `options` applied to the options recorded in the partials. When the partials do not
  /// cover every position, the summary's warnings end with one that says so.
  ///
  /// - Throws: ``DumpError`` when the partials do not belong to one dump and settings, or the
  ///   merged batch is empty.
  /// - Complexity: O(N log N).
  public static func mergeAnalysis(
    _ partials: [AnalysisPartial], options: (AnalysisOptions) -> AnalysisOptions
  ) throws(DumpError) -> (analysis: BatchAnalysis, coverage: ShardCoverage) {
    let merged = try AnalysisPartial(merging: partials)
    let coverage = ShardCoverage(covered: merged.table.count, expected: merged.table.positionShape.reduce(1, *))
    var analysis = try merged.analysis(options: options(merged.provenance.options))
    if !coverage.isComplete { analysis.summary.warnings.append("\(coverage): the result is not the whole dump's") }
    return (analysis, coverage)
  }
}

/// How many of a dump's positions merged partials cover.
public struct ShardCoverage: Sendable, Equatable, CustomStringConvertible {
  /// Positions in the partials.
  public var covered: Int
  /// Positions of the dump (the product of its position shape).
  public var expected: Int
  /// Every position is covered.
  ///
  /// - Complexity: O(1).
  public var isComplete: Bool { covered == expected }
  /// "the partials cover C of E positions".
  public var description: String { "the partials cover \(covered) of \(expected) positions" }

  public init(covered: Int, expected: Int) {
    self.covered = covered
    self.expected = expected
  }
}
