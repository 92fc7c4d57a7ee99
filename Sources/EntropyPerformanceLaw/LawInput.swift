// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import LogitDumps

/// What the entropy–performance law is fitted to.
public enum LawInput: Sendable, Equatable {
  /// A training log file: CSV, JSON lines or a `deltah bandit|mdp --json` run
  /// (``LawObservations/init(contentsOf:columns:)``).
  case log(path: String)
  /// A training log on standard input, read as ``log(path:)`` is.
  case standardInput
  /// Dumps of successive steps and a rewards log matched to them by step
  /// (``LawObservations/init(dumps:rewards:)``): each dump's entropy is its token mean as
  /// ``DumpPipeline`` analyses it, at `temperature` (nil: each dump's metadata, else 1).
  case dumps(paths: [String], rewards: String, temperature: Double?)
}

extension EntropyPerformanceLaw {
  /// Reads `input` and fits the law to it: the one call behind `deltah law`.
  ///
  /// With dumps, what each dump tells about itself (ignored tensors, impossible logged values, an
  /// entropy audit, a temperature override) changes the token-mean entropy fitted, so it is put
  /// before the fit's own warnings, prefixed with the dump's path. The η-default warning is left
  /// out: the law uses no polarity. The rewards log's step column is required and its entropy
  /// column is not read.
  ///
  /// - Parameters:
  ///   - input: the log or the dumps.
  ///   - columns: the column (key) names; with dumps, `stepRequired` and `entropyRequired` are set
  ///     here.
  ///   - options: fit fraction, B, seed, level.
  ///   - progress: for a dump's path, its reading progress callback (or nil).
  /// - Throws: ``LawError`` naming the file, line, column or tensor (a ``DumpError`` nested as
  ///   ``LawError/Underlying/dump(_:)``), and as ``init(observations:options:)``.
  /// - Complexity: O(input size) to read (O(N·V) per dump of N positions and V logits), plus the
  ///   fit's O(B·m).
  public static func fit(
    _ input: LawInput, columns: LawObservations.Columns, options: Options,
    progress: (String) -> (@Sendable (Int, Int) -> Void)? = { _ in nil }
  ) throws(LawError) -> EntropyPerformanceLaw {
    let observations: LawObservations
    var dumpWarnings: [String] = []
    switch input {
    case .log(let path):
      observations = try LawObservations(contentsOf: path, columns: columns)
    case .standardInput:
      let bytes: [UInt8]
      do throws(DumpError) { bytes = try InputFile.standardInput() } catch { throw LawError(error) }  // bounded: /dev/zero is an error
      observations = try LawObservations(text: String(decoding: bytes, as: UTF8.self), source: "standard input", columns: columns)
    case .dumps(let paths, let rewards, let temperature):
      var logColumns = columns
      logColumns.stepRequired = true
      logColumns.entropyRequired = false
      let log = try LawObservations(contentsOf: rewards, columns: logColumns)
      let entropies = try DumpEntropy.read(paths, temperature: temperature, progress: progress)
      dumpWarnings = entropies.warnings
      observations = try LawObservations(dumps: entropies.dumps, rewards: log)
    }
    var law = try EntropyPerformanceLaw(observations: observations, options: options)
    law.warnings = dumpWarnings + law.warnings
    return law
  }
}

extension DumpEntropy {
  /// The token-mean entropy and step of each dump, in the given order, by
  /// ``DumpPipeline/analyze(_:settings:range:progress:)`` at `temperature` (nil: each dump's
  /// metadata) with default analysis options, and the dumps' warnings prefixed with their paths
  /// (the η-default warning left out), plus one warning when the dumps are read at different
  /// temperatures (the first dump's and the first that differs are named).
  ///
  /// - Throws: ``LawError`` nesting the ``DumpError`` of a dump that cannot be read or analysed,
  ///   or naming a dump without an entropy (neither logits nor a logged entropy).
  /// - Complexity: O(N·V) per dump of N positions and V logits.
  public static func read(
    _ paths: [String], temperature: Double?, progress: (String) -> (@Sendable (Int, Int) -> Void)? = { _ in nil }
  ) throws(LawError) -> (dumps: [DumpEntropy], warnings: [String]) {
    var dumps: [DumpEntropy] = []
    var warnings: [String] = []
    for path in paths {
      let analysis: BatchAnalysis
      let step: Int?
      do throws(DumpError) {
        let dump = try LogitDump(path: path)
        step = dump.step
        analysis = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(temperature: temperature), progress: progress(path))
      } catch {
        throw LawError(error)
      }
      warnings += analysis.summary.warnings.filter { !$0.hasPrefix("η = 1 by default") }.map { "\(path): \($0)" }
      guard let h = analysis.summary.entropyTokenMean else {
        throw LawError(source: path, problem: "no entropy: the dump has neither logits nor a logged entropy")
      }
      dumps.append(DumpEntropy(file: path, step: step, entropy: h, temperature: analysis.summary.temperature))
    }
    if let first = dumps.first, let other = dumps.first(where: { $0.temperature != first.temperature }) {
      warnings.append(
        "the dumps are read at different temperatures (\(first.temperature.map { "\($0)" } ?? "?") in \(first.file), \(other.temperature.map { "\($0)" } ?? "?") in \(other.file)): their entropies are of softmax(z/T) at different T, so the fit mixes distributions")
    }
    return (dumps, warnings)
  }
}
