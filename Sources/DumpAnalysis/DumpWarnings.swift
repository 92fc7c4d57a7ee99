// DeltaH — entropy change of softmax policies.

import LogitDumps
import RealModule

/// One contract field and the tensor it was read from, for the "read:" line of a report:
/// `logits ← logits [8, 64, 32000] BF16`, `mask ← response_mask [8, 64] U8`.
public struct TensorRead: Sendable, Codable, Equatable {
  /// The contract field (canonical name).
  public var field: String
  /// The tensor's name in the dump (the field name or an accepted alias).
  public var tensor: String
  /// The tensor's shape and element type as stored.
  public var shape: [Int]
  public var type: String

  public init(field: String, tensor: String, shape: [Int], type: String) {
    self.field = field
    self.tensor = tensor
    self.shape = shape
    self.type = type
  }

  /// `field ← tensor [shape] TYPE`.
  public var description: String {
    "\(field) ← \(tensor) [\(shape.map(String.init).joined(separator: ","))] \(type)"
  }

  /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
  public enum CodingKeys: String, CodingKey {
    case field, tensor, shape, type
  }
}

extension LogitDump {
  /// The contract fields present and the tensors they were read from, in ``DumpField`` order.
  ///
  /// - Complexity: O(fields).
  public var tensorsRead: [TensorRead] {
    DumpField.allCases.compactMap { field in
      guard let t = fields[field] else { return nil }
      let stored = archive[t.name] ?? t
      return TensorRead(field: field.canonicalName, tensor: t.name, shape: stored.shape, type: "\(stored.elementType)")
    }
  }

  /// Names of the tensors in the container that no contract field uses, sorted.
  /// Such a tensor is never read: a mask saved as `attention_mask` leaves every position valid.
  ///
  /// - Complexity: O(tensors).
  public var ignoredTensors: [String] {
    let used = Set(fields.values.map(\.name))
    return archive.tensors.map(\.name).filter { !used.contains($0) }.sorted()
  }

  /// One warning per metadata key that looks like a contract key it is not (`learning_rate` for
  /// `lr`, `temp` for `temperature`, `global_step` for `step`, `vocabulary_size` for `vocab_size`,
  /// or within two edits of `temperature`, `step`, `vocab_size`), when that contract key is absent:
  /// such a key is not read, so the default (T = 1, no step, η = 1, no V) is used instead.
  /// Other extra keys (producer notes such as `source` or `phase`) are informational and pass.
  ///
  /// - Complexity: O(keys × key length²).
  public var metadataWarnings: [String] {
    let metadata = archive.metadata
    return metadata.keys.sorted().compactMap { key in
      let lower = key.lowercased()
      guard !Self.contractMetadataKeys.contains(key) else { return nil }
      let meant = Self.metadataConfusions[lower]
        ?? Self.contractMetadataKeys.first { $0.count >= 4 && lower.count >= 3 && DumpField.editDistance(lower, $0) <= 2 }
      guard let meant, metadata[meant] == nil else { return nil }
      return "metadata '\(key)' is not read; did you mean '\(meant)'? (rename it to be read; '\(meant)' is absent, so its default is used)"
    }
  }

  /// The metadata keys of the dump contract.
  static let contractMetadataKeys = ["temperature", "step", "lr", "vocab_size"]
  /// Trainer spellings that mean a contract key.
  static let metadataConfusions: [String: String] = [
    "learning_rate": "lr", "learningrate": "lr", "eta": "lr", "η": "lr", "temp": "temperature",
    "sampling_temperature": "temperature", "t": "temperature", "tau": "temperature", "global_step": "step",
    "global_steps": "step", "train_step": "step", "iteration": "step", "vocab": "vocab_size",
    "vocabulary_size": "vocab_size", "vocabsize": "vocab_size", "v": "vocab_size",
  ]

  /// One warning per ignored tensor, with the contract names it may have been meant as.
  ///
  /// - Complexity: O(tensors × names × name length²).
  public var ignoredTensorWarnings: [String] { ignoredTensors.map(Self.ignoredTensorWarning) }

  /// The warning for one ignored tensor.
  static func ignoredTensorWarning(_ name: String) -> String {
    let suggestions = DumpField.nearMisses(of: name)
    let hint = suggestions.isEmpty
      ? "" : "; did you mean " + suggestions.map { "'\($0)'" }.joined(separator: " or ") + "? (rename it to be read)"
    return "tensor '\(name)' is not part of the dump contract and was ignored\(hint)"
  }
}

extension DumpField {
  /// Names a trainer commonly uses for something close to a contract field, with the contract
  /// names that fit (verl, TRL and OpenRLHF batch keys).
  static let knownConfusions: [String: [String]] = [
    "attention_mask": ["mask", "response_mask"], "completion_mask": ["mask", "response_mask"],
    "loss_mask": ["mask"], "action_mask": ["mask"], "masks": ["mask"],
    "old_log_prob": ["old_log_probs", "old_logprobs"], "old_logprob": ["old_logprobs"],
    "old_per_token_logps": ["old_logprobs"], "per_token_logps": ["logprobs"],
    "log_prob": ["log_probs", "logprobs"], "logprob": ["logprobs"], "action_log_probs": ["logprobs"],
    "completion_ids": ["token_ids", "responses"], "input_ids": ["token_ids"], "response_ids": ["token_ids", "responses"],
    "response": ["responses", "token_ids"], "tokens": ["token_ids"],
    "advantage": ["advantages"], "entropies": ["entropy", "entropys"], "token_entropy": ["entropy"],
    "logit": ["logits"], "scores": ["logits"], "topk_logprob": ["topk_logprobs"], "topk_indices": ["topk_ids"],
    "uid": ["group_ids"], "group_id": ["group_ids"], "groups": ["group_ids"], "sequence_id": ["sequence_ids"],
  ]

  /// Contract names (canonical or alias) that `name` may have been meant as: a known trainer
  /// key, or a name within edit distance 2 (case-insensitive) of a contract name. Empty when none
  /// is close.
  ///
  /// - Complexity: O(names × |name|²).
  public static func nearMisses(of name: String) -> [String] {
    let lower = name.lowercased()
    if let known = knownConfusions[lower] { return known }
    let names = allCases.flatMap { [$0.canonicalName] + $0.aliases }
    let close = names.filter { editDistance(lower, $0) <= 2 }
    return close
  }

  /// Levenshtein distance over Unicode scalars.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
    var previous = Array(0...y.count)
    for i in 1...x.count {
      var current = [i] + Array(repeating: 0, count: y.count)
      for j in 1...y.count {
        current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[y.count]
  }
}

/// Counts of logged values that no correct trainer can produce, at valid positions.
///
/// * an entropy below −1e-6 (H ≥ 0 always),
/// * a log-probability (`logprobs`, `old_logprobs`) above +1e-6 (log π ≤ 0),
/// * top-k probabilities Σ_j exp(topk_logprobs_j) above 1 + τ (``TopKEntropyBounds/massTolerance(storedAs:k:)``;
///   ``PositionTable`` refuses a dump with such a row, so this counts them only for a table read
///   otherwise).
///
/// The tolerances absorb the rounding of exact values (log π of a certain token can round to a
/// few ulps above 0; k rounded probabilities can sum slightly above 1); anything beyond them is a
/// sign, unit or temperature bug in the export.
public struct ImpossibleLoggedValues: Sendable, Equatable {
  public var negativeEntropies = 0
  public var mostNegativeEntropy = 0.0
  public var positiveLogProbabilities = 0
  public var largestLogProbability = 0.0
  public var topKRowsAboveOne = 0
  public var largestTopKMass = 0.0

  /// Counts the impossible values of `table` (and the dump's `topk_logprobs`).
  ///
  /// - Throws: ``DumpError`` when `topk_logprobs` cannot be read.
  /// - Complexity: O(N·k).
  public init(table: PositionTable, dump: LogitDump?) throws(DumpError) {
    let valid = table.valid
    if let h = table.loggedEntropy {
      for i in h.indices where valid[i] && h[i] < -1e-6 {
        negativeEntropies += 1
        mostNegativeEntropy = Swift.min(mostNegativeEntropy, h[i])
      }
    }
    for values in [table.loggedLogProbability, table.oldLogProbability] {
      guard let values else { continue }
      for i in values.indices where valid[i] && values[i] > 1e-6 {
        positiveLogProbabilities += 1
        largestLogProbability = Swift.max(largestLogProbability, values[i])
      }
    }
    if let dump, let tensor = dump[.topkLogprobs] {
      let k = tensor.rowLength
      let all = try tensor.doubles()
      let tolerance = TopKEntropyBounds.massTolerance(storedAs: tensor.elementType, k: k)
      for (slot, position) in table.positions.enumerated() where valid[slot] {
        var mass = 0.0
        for j in 0..<k { mass += Double.exp(all[position * k + j]) }
        if mass > 1 + tolerance {
          topKRowsAboveOne += 1
          largestTopKMass = Swift.max(largestTopKMass, mass)
        }
      }
    }
  }

  /// The warning, or nil when every logged value is possible.
  ///
  /// - Complexity: O(1).
  public var warning: String? {
    var parts: [String] = []
    if negativeEntropies > 0 { parts.append("\(negativeEntropies) negative entropies (lowest \(mostNegativeEntropy))") }
    if positiveLogProbabilities > 0 { parts.append("\(positiveLogProbabilities) log-probabilities above 0 (largest \(largestLogProbability))") }
    if topKRowsAboveOne > 0 { parts.append("\(topKRowsAboveOne) top-k rows whose probabilities sum above 1 (largest \(largestTopKMass))") }
    guard !parts.isEmpty else { return nil }
    return "impossible logged values at valid positions: " + parts.joined(separator: ", ") + "; check the export (sign, units, temperature)"
  }
}

extension BatchAnalysis {
  /// Analyses one dump: ``init(table:file:step:options:)`` plus what the dump itself tells:
  /// the tensors read and ignored (with near-miss suggestions), impossible logged values.
  ///
  /// - Throws: ``DumpError`` as ``init(table:file:step:options:)``.
  /// - Complexity: O(N log N + N·k).
  public init(dump: LogitDump, table: PositionTable, options: AnalysisOptions) throws(DumpError) {
    var options = options
    if options.temperatureSource == nil { options.temperatureSource = Self.temperatureSource(of: dump, table: table) }
    try self.init(table: table, file: dump.path, step: dump.step, options: options)
    appendDumpFacts(
      tensorsRead: dump.tensorsRead, ignoredTensors: dump.ignoredTensors,
      impossible: try ImpossibleLoggedValues(table: table, dump: dump), metadataWarnings: dump.metadataWarnings)
  }

  /// Where the table's temperature came from: a value other than the dump's is an override
  /// (`flag`); otherwise the dump's metadata, or the default 1 when the metadata has none.
  ///
  /// - Complexity: O(1).
  public static func temperatureSource(of dump: LogitDump, table: PositionTable) -> LearningRateSource {
    table.temperature != dump.temperature ? .flag : (dump.temperatureInMetadata ? .metadata : .default)
  }

  /// Records the tensors read and ignored (one warning each, with near misses) and the
  /// impossible logged values (one warning) in the summary.
  mutating func appendDumpFacts(
    tensorsRead: [TensorRead], ignoredTensors: [String], impossible: ImpossibleLoggedValues, metadataWarnings: [String] = []
  ) {
    summary.tensorsRead = tensorsRead
    summary.ignoredTensors = ignoredTensors
    summary.warnings += ignoredTensors.map(LogitDump.ignoredTensorWarning)
    summary.warnings += metadataWarnings
    if let w = impossible.warning { summary.warnings.append(w) }
  }

  /// The warning for an η that defaulted to 1 while a polarity is computed.
  static func learningRateWarning(_ options: AnalysisOptions, hasPolarity: Bool) -> String? {
    guard hasPolarity, options.learningRateSource == .default else { return nil }
    return "η = 1 by default (no η given and no metadata 'lr'): polarity, Φ± and quadrant sums are per unit logit-space step; η is the logit step size, not the optimizer's learning rate"
  }
}

/// The order of a series of dumps and what is odd about it.
public struct StepSeriesCheck: Sendable {
  /// Indices into the input, in the order to report them: by metadata `step` when every dump has
  /// one (ties keep their input order), else the input order.
  public let order: [Int]
  /// Missing or repeated steps, dumps without a step, and position-shape, vocabulary or temperature
  /// changes between consecutive steps (the token-mean ΔH to the next step, and its pairing with
  /// the covariance, compare entropies of softmax(z/T) only at one T).
  public let warnings: [String]

  /// One dump of the series: its path, metadata step, position shape, vocabulary size and the
  /// temperature T it is (or was) analysed at (nil: not known, no check).
  public struct Entry: Sendable {
    public var path: String
    public var step: Int?
    public var positionShape: [Int]
    public var vocabularySize: Int?
    public var temperature: Double?
    public init(path: String, step: Int?, positionShape: [Int], vocabularySize: Int?, temperature: Double? = nil) {
      self.path = path
      self.step = step
      self.positionShape = positionShape
      self.vocabularySize = vocabularySize
      self.temperature = temperature
    }
  }

  /// Orders and checks a series. A step is "missing" when the gap to the next step exceeds the
  /// smallest positive gap of the series (the export interval).
  ///
  /// - Complexity: O(n log n).
  public init(_ entries: [Entry]) {
    var warnings: [String] = []
    guard entries.count > 1 else {
      order = Array(entries.indices)
      self.warnings = []
      return
    }
    let withoutStep = entries.filter { $0.step == nil }.map(\.path)
    if !withoutStep.isEmpty {
      order = Array(entries.indices)
      warnings.append("\(withoutStep.count) dump(s) have no metadata 'step' (\(withoutStep.prefix(3).joined(separator: ", "))\(withoutStep.count > 3 ? ", …" : "")): the series is in command-line order")
    } else {
      order = entries.indices.sorted { (entries[$0].step!, $0) < (entries[$1].step!, $1) }
      let steps = order.map { entries[$0].step! }
      var repeated: [Int] = []
      for (a, b) in zip(steps, steps.dropFirst()) where a == b && repeated.last != a { repeated.append(a) }
      if !repeated.isEmpty {
        warnings.append("repeated step(s) \(repeated.map(String.init).joined(separator: ", ")): several dumps claim the same training step")
      }
      let gaps = zip(steps, steps.dropFirst()).map { $1 &- $0 }.filter { $0 > 0 }
      if let stride = gaps.min() {
        var missing: [String] = []
        for (a, b) in zip(steps, steps.dropFirst()) where b &- a > stride {
          missing.append("between \(a) and \(b)")
        }
        if !missing.isEmpty {
          warnings.append("missing step(s) at the export interval \(stride): \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", …" : "")")
        }
      }
    }
    for (i, j) in zip(order, order.dropFirst()) {
      let a = entries[i], b = entries[j]
      if a.positionShape != b.positionShape {
        warnings.append("position shape changes from \(a.positionShape) (\(a.path)) to \(b.positionShape) (\(b.path))")
      }
      if a.vocabularySize != b.vocabularySize {
        warnings.append("vocabulary size changes from \(a.vocabularySize.map(String.init) ?? "none") (\(a.path)) to \(b.vocabularySize.map(String.init) ?? "none") (\(b.path))")
      }
      if let ta = a.temperature, let tb = b.temperature, ta != tb {
        warnings.append("temperature changes from \(ta) (\(a.path)) to \(tb) (\(b.path)): the ΔH to the next step compares entropies of softmax(z/T) at different T")
      }
    }
    self.warnings = warnings
  }
}
