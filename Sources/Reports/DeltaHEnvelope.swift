// DeltaH — entropy change of softmax policies.

import FoundationEssentials

/// The version of DeltaH that writes every `--json` envelope and report provenance.
public enum DeltaHVersion {
  /// Semantic version string, e.g. "0.1.0".
  public static let string = "0.1.0"
}

/// What a `deltah … --json` object holds: the `"kind"` key of every envelope.
///
/// A merged result has the kind of the unsharded one (`merge` of analyze partials writes
/// `analyze`, of compare partials `compare`), so a merged file equals the unsharded file.
public enum DeltaHResultKind: String, Codable, CaseIterable, Sendable {
  /// `deltah step`: one logit step (Lemma 1 and its second order).
  case step
  /// `deltah analyze DUMP` or `deltah merge` of analyze partials: one dump summary.
  case analyze
  /// `deltah analyze DUMP DUMP …`: a series of dump summaries (`"steps"`).
  case analyzeSeries = "analyze-series"
  /// `deltah compare`, `compare --linearized` or `deltah merge` of compare partials.
  case compare
  /// `deltah bandit`: a tabular training run (`"steps"` and `"summary"`).
  case bandit
  /// `deltah mdp`: a tabular training run (`"steps"` and `"summary"`).
  case mdp
  /// `deltah curvature --logits`: one curvature report.
  case curvature
  /// `deltah curvature DUMP --positions`: curvature reports of a dump's positions.
  case curvatureDump = "curvature-dump"
  /// `deltah cliff`: a policy-cliff report.
  case cliff
  /// `deltah law`: an entropy–performance law fit.
  case law
  /// `deltah whatif`: the interventions' effect on one dump.
  case whatif
  /// `deltah sweep --format json`: the intervention sweep table.
  case sweep
}

/// One `--json` output: the result's own keys plus `"kind"` and `"deltah_version"` at the top level.
///
/// The result's keys stay where they were (the envelope adds two keys, it does not nest the
/// result), so readers of earlier files keep working. `Result` must encode as a keyed object.
public struct DeltaHEnvelope<Result: Encodable>: Encodable {
  /// What the result is.
  public var kind: DeltaHResultKind
  /// The DeltaH version that wrote it (``DeltaHVersion/string``).
  public var deltahVersion: String
  /// The result itself.
  public var result: Result

  public init(kind: DeltaHResultKind, result: Result, deltahVersion: String = DeltaHVersion.string) {
    self.kind = kind
    self.result = result
    self.deltahVersion = deltahVersion
  }

  /// The two envelope keys, spelled as they appear in the file.
  public enum CodingKeys: String, CodingKey {
    /// ``DeltaHResultKind`` raw value.
    case kind
    /// ``DeltaHVersion/string`` of the writer.
    case deltahVersion = "deltah_version"
  }

  public func encode(to encoder: any Encoder) throws {
    try result.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(deltahVersion, forKey: .deltahVersion)
  }

  /// The envelope as pretty-printed JSON with sorted snake_case keys and a final newline; non-finite
  /// doubles are the strings "nan", "inf", "-inf".
  ///
  /// - Throws: the `EncodingError` of `JSONEncoder` (a payload whose `encode(to:)` throws).
  /// - Complexity: O(size of the result).
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    var data = try encoder.encode(self)
    data.append(contentsOf: Array("\n".utf8))
    return data
  }
}
