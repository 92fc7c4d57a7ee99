// DeltaH — entropy change of softmax policies.

import _NumericsSupport

/// An opened logit dump: the contract tensors (see ``DumpField``) of one training step, checked
/// for consistent shapes and element types, plus the step's metadata.
///
/// ```swift
/// let dump = try LogitDump(path: "runs/step_120.safetensors")
/// try dump.validate(requiring: [.tokenIds, .advantages, .logits])
/// let advantages = try dump[.advantages]!.doubles()
/// try dump[.logits]!.forEachRowChunk(rowsPerChunk: 64) { rows, bytes in … }
/// ```
///
/// Checked when opening (each failure is a ``DumpError`` naming file, tensor and problem):
/// * a field present under both its canonical name and an alias (or two aliases);
/// * element types per field;
/// * ranks: per-position fields have rank 1 or 2, `logits`/`topk_*` rank 2 or 3 with a last
///   axis of at least 1;
/// * every field's position shape equals the dump's position shape (dims, not just counts);
/// * `topk_logprobs` and `topk_ids` come together with the same shape;
/// * at least one position (an empty batch is an error), at least one contract tensor;
/// * metadata `temperature` (default 1) finite and positive, `step` an integer, `lr` a finite number > 0 (η).
///
/// Which fields are *required* depends on the analysis; call ``validate(requiring:)``.
///
/// Contract tensors are handed out with one row per position (``Tensor/innerAxisCount`` is 0
/// for per-position fields and 1 for `logits`/`topk_*`). Tensors outside the contract are kept,
/// unchecked, in ``archive``.
public struct LogitDump: Sendable {
  /// The underlying container (all tensors, raw metadata, format).
  public let archive: TensorArchive
  /// Contract tensors by field, grouped one row per position.
  public let fields: [DumpField: Tensor]
  /// The position shape, `[N]` or `[B, T]`.
  public let positionShape: [Int]
  /// ∏ positionShape (≥ 1).
  public let positionCount: Int
  /// Sampling temperature from metadata `temperature`; 1 when absent.
  public let temperature: Double
  /// Whether the metadata holds `temperature` (false: ``temperature`` is the default 1).
  public let temperatureInMetadata: Bool
  /// Training step from metadata `step`, when present.
  public let step: Int?
  /// Learning rate from metadata `lr`, when present.
  public let learningRate: Double?

  /// The path as given.
  ///
  /// - Complexity: O(1).
  public var path: String { archive.path }
  /// Raw string metadata.
  ///
  /// - Complexity: O(1) (the dictionary is shared, not copied).
  public var metadata: [String: String] { archive.metadata }
  /// Vocabulary size (last axis of `logits`), when logits are present.
  ///
  /// - Complexity: O(1).
  public var vocabularySize: Int? { fields[.logits]?.shape.last }
  /// k of the top-k tensors, when present.
  ///
  /// - Complexity: O(1).
  public var topK: Int? { fields[.topkLogprobs]?.shape.last }

  /// The tensor for `field`, if present.
  ///
  /// - Complexity: O(1).
  public subscript(field: DumpField) -> Tensor? { fields[field] }

  /// Opens and checks the dump at `path` (any format ``TensorArchive`` reads).
  ///
  /// - Throws: ``DumpError``.
  /// - Complexity: O(header sizes); tensor data is not read.
  public init(path: String) throws(DumpError) {
    try self.init(archive: TensorArchive(path: path))
  }

  /// Checks the contract on an opened archive: the fields and their types and ranks
  /// (``resolvedFields(_:)``), one position shape (``positionShape(of:archive:)``) and the metadata
  /// values (``metadataValues(of:)``).
  ///
  /// - Throws: ``DumpError`` naming the file, the tensor and the problem.
  /// - Complexity: O(fields × names) plus the metadata; tensor data is not read.
  public init(archive: TensorArchive) throws(DumpError) {
    self.archive = archive
    let found = try Self.resolvedFields(archive)
    let positions = try Self.positionShape(of: found, archive: archive)
    let (temperature, step, learningRate) = try Self.metadataValues(of: archive)
    self.fields = found
    self.positionShape = positions
    self.positionCount = positions.reduce(1, *)  // sub-product of a validated byte count: no overflow
    self.temperature = temperature
    self.temperatureInMetadata = archive.metadata["temperature"] != nil
    self.step = step
    self.learningRate = learningRate
  }

  /// The error for `tensor` (its own file, for a folder of .npy files) or the archive.
  static func fail(_ archive: TensorArchive, _ tensor: String?, _ problem: String) -> DumpError {
    DumpError(file: tensor.flatMap { archive[$0]?.file } ?? archive.path, tensor: tensor, problem: problem)
  }

  /// The contract fields of `archive`, names and aliases resolved (one tensor per field), each of
  /// an allowed element type and rank, regrouped to positions × inner axis.
  ///
  /// - Throws: ``DumpError`` for a field given twice, a wrong type or rank, an empty inner axis,
  ///   or no field at all.
  /// - Complexity: O(fields × names).
  static func resolvedFields(_ archive: TensorArchive) throws(DumpError) -> [DumpField: Tensor] {
    var found: [DumpField: Tensor] = [:]
    for field in DumpField.allCases {
      let names = [field.canonicalName] + field.aliases
      let present = names.compactMap { archive[$0] }
      guard present.count <= 1 else {
        throw fail(
          archive, present[1].name,
          "both '\(present[0].name)' and '\(present[1].name)' are present; they name the same field '\(field)'")
      }
      guard let tensor = present.first else { continue }
      guard field.accepts(tensor.elementType) else {
        throw fail(archive, tensor.name, "element type \(tensor.elementType) is not allowed for '\(field)'; expected \(field.allowedTypesDescription)")
      }
      let ranks = field.hasInnerAxis ? 2...3 : 1...2
      guard ranks.contains(tensor.shape.count) else {
        let expected = field.hasInnerAxis ? "[N, k] or [B, T, k]" : "[N] or [B, T]"
        throw fail(archive, tensor.name, "shape \(tensor.shape) has rank \(tensor.shape.count); expected \(expected)")
      }
      if field.hasInnerAxis && tensor.shape.last == 0 {
        throw fail(archive, tensor.name, "shape \(tensor.shape) has an empty last axis")
      }
      found[field] = tensor.regrouped(innerAxisCount: field.hasInnerAxis ? 1 : 0)
    }
    guard !found.isEmpty else {
      throw DumpError(
        file: archive.path,
        problem: "no dump tensors found; expected some of "
          + DumpField.allCases.map(\.canonicalName).joined(separator: ", "))
    }
    return found
  }

  /// The position shape, from logits, else the first per-position field, else top-k; every other
  /// field must have it, and top-k values and ids come together with equal shapes.
  ///
  /// - Throws: ``DumpError`` naming the tensor that disagrees, or an empty batch.
  /// - Complexity: O(fields).
  static func positionShape(of found: [DumpField: Tensor], archive: TensorArchive) throws(DumpError) -> [Int] {
    let order: [DumpField] =
      [.logits] + DumpField.allCases.filter { !$0.hasInnerAxis } + [.topkLogprobs, .topkIds]
    let source = order.first { found[$0] != nil }!
    let sourceTensor = found[source]!
    let positions = source.hasInnerAxis ? Array(sourceTensor.shape.dropLast()) : sourceTensor.shape
    for field in DumpField.allCases {
      guard let tensor = found[field], field != source else { continue }
      let own = field.hasInnerAxis ? Array(tensor.shape.dropLast()) : tensor.shape
      guard own == positions else {
        throw fail(
          archive, tensor.name,
          "shape \(tensor.shape) does not match the position shape \(positions) set by '\(sourceTensor.name)' \(sourceTensor.shape)")
      }
    }
    if let values = found[.topkLogprobs], let ids = found[.topkIds] {
      guard values.shape == ids.shape else {
        throw fail(archive, ids.name, "shape \(ids.shape) differs from '\(values.name)' \(values.shape)")
      }
    } else if let lone = found[.topkLogprobs] ?? found[.topkIds] {
      let other = lone.name == found[.topkLogprobs]?.name ? "topk_ids" : "topk_logprobs"
      throw fail(archive, lone.name, "is present without '\(other)'")
    }
    guard positions.reduce(1, *) > 0 else {  // sub-product of a validated byte count: no overflow
      throw fail(archive, sourceTensor.name, "empty batch: position shape \(positions) holds no positions")
    }
    return positions
  }

  /// The metadata's temperature (finite, > 0, finite 1/T; 1 when absent), step (an integer,
  /// also written as an integral float) and lr (finite, > 0), each checked.
  ///
  /// - Throws: ``DumpError`` naming the metadata file and key.
  /// - Complexity: O(1).
  static func metadataValues(of archive: TensorArchive) throws(DumpError) -> (temperature: Double, step: Int?, learningRate: Double?) {
    let metadata = archive.metadata
    let metadataFile = archive.metadataFile ?? archive.path
    var temperature = 1.0
    if let text = metadata["temperature"] {
      guard let t = Double(text.trimmingWhitespace()), t.isFinite, t > 0 else {
        throw DumpError(file: metadataFile, problem: "metadata 'temperature' = '\(text)' is not a finite positive number")
      }
      guard (1 / t).isFinite else {
        throw DumpError(file: metadataFile, problem: "metadata 'temperature' = '\(text)' is too small: 1/T overflows to infinity")
      }
      temperature = t
    }
    var step: Int?
    if let text = metadata["step"] {
      let trimmed = text.trimmingWhitespace()
      if let s = Int(trimmed) {
        step = s
      } else if let d = Double(trimmed), d.rounded() == d, let s = Int(exactly: d) {
        step = s
      } else {
        throw DumpError(file: metadataFile, problem: "metadata 'step' = '\(text)' is not an integer")
      }
    }
    var learningRate: Double?
    if let text = metadata["lr"] {
      guard let lr = Double(text.trimmingWhitespace()), lr.isFinite, lr > 0 else {
        throw DumpError(
          file: metadataFile, problem: "metadata 'lr' = '\(text)' is not a finite number > 0 (η, the logit-space step size of the polarity split)")
      }
      learningRate = lr
    }

    return (temperature, step, learningRate)
  }

  /// Checks that every field in `required` is present.
  ///
  /// - Throws: ``DumpError`` naming the first missing field (in ``DumpField`` order) and its
  ///   accepted aliases.
  /// - Complexity: O(required.count).
  public func validate(requiring required: Set<DumpField>) throws(DumpError) {
    for field in DumpField.allCases where required.contains(field) && fields[field] == nil {
      let aliases = field.aliases.isEmpty
        ? "" : " (also accepted as " + field.aliases.map { "'\($0)'" }.joined(separator: ", ") + ")"
      throw DumpError(
        file: path, tensor: field.canonicalName, problem: "required tensor is missing\(aliases)")
    }
  }
}
