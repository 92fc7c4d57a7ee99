// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the partials of `deltah analyze --shard i/n` (or `deltah compare --shard i/n`) into the whole-dump result.",
    discussion: """
      Merging is exact: the result equals analysing (comparing) the whole dump in one run, with \
      the temperature, η, step and settings recorded in the partials. Partials of different dumps, \
      steps or settings are refused. Batch settings given here (--kl-cov-ratio, --seed, …) replace \
      the recorded ones for the selections computed at merge time.
      """)

  @Argument(help: "Partial files written by `deltah analyze DUMP --shard i/n --partial OUT` or `deltah compare BEFORE AFTER --shard i/n --partial OUT`.")
  var partials: [String]

  @OptionGroup var settings: BatchSettings

  @Option(help: "Write per-position tensors of the merged batch to this .safetensors file (needs every shard).")
  var perToken: String?

  @Option(parsing: .unconditional, help: "Compare partials only: trust tolerance ε of the trust radius, as `compare --trust-tolerance`.")
  var trustTolerance: Double = 0.1

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    guard !partials.isEmpty else { throw ValidationError("give at least one partial") }
    guard trustTolerance.isFinite, trustTolerance > 0 else { throw ValidationError("--trust-tolerance must be a finite number > 0, got \(trustTolerance)") }
    try settings.validate()
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken], inputs: partials)
    if try ComparisonPartial.isComparisonPartial(at: partials[0]) {
      try mergeComparison()
      return
    }
    let merged = try AnalysisPartial(merging: partials.map(Self.analysisPartial))
    let covered = merged.table.count, expected = merged.table.positionShape.reduce(1, *)
    let options = settings.options(over: merged.provenance.options)
    if covered != expected, perToken != nil {
      throw ArgumentError("--per-token needs every shard: the partials cover \(covered) of \(expected) positions")
    }
    let analysis = try merged.analysis(options: options)
    var summary = analysis.summary
    if covered != expected {
      summary.warnings.append("the partials cover \(covered) of \(expected) positions: the result is not the whole dump's")
    }
    if let perToken { try analysis.perTokenWriter().write(to: perToken) }
    if json { try printJSON(summary, kind: .analyze) } else { print(SummaryFormatting.table(summary)) }
    for w in summary.warnings { writeStandardError("warning: \(summary.file): \(w)\n") }
  }

  func mergeComparison() throws {
    if settings.lr != nil || settings.klCovRatio != nil || settings.clipCovRatio != nil || settings.clipCovBounds != nil
      || settings.microBatch != nil || settings.seed != nil
    {
      throw ValidationError("compare partials take no batch settings (--lr, --kl-cov-ratio, …)")
    }
    let merged = try ComparisonPartial(merging: partials.map(Self.comparisonPartial))
    let c = merged.comparison
    let covered = c.positions.count, expected = c.positionShape.reduce(1, *)
    if covered != expected {
      if perToken != nil { throw ArgumentError("--per-token needs every shard: the partials cover \(covered) of \(expected) positions") }
      writeStandardError("warning: the partials cover \(covered) of \(expected) positions: the result is not the whole comparison's\n")
    }
    if let perToken { try c.perTokenWriter(trustTolerance: trustTolerance).write(to: perToken) }
    let trust = c.trustRadius(tolerance: trustTolerance)
    if json {
      try printJSON(ComparisonWithTrustRadius(summary: c.summary, trustRadius: trust), kind: .compare)
    } else {
      print(CompareCommand.table(c.summary, trust: trust))
    }
    for w in c.summary.warnings ?? [] { writeStandardError("warning: \(w)\n") }
  }

  /// Reads an analyze partial; when the file is not one of this version, the error names the command
  /// that writes partials (the library does not name CLI flags).
  static func analysisPartial(_ path: String) throws -> AnalysisPartial {
    do { return try AnalysisPartial(path: path) } catch {
      guard (try? AnalysisPartial.isAnalysisPartial(at: path)) == false else { throw error }
      throw DumpError(file: error.file, tensor: error.tensor, problem: error.problem + "; write partials with 'deltah analyze DUMP --shard i/n --partial OUT'")
    }
  }

  /// Reads a compare partial, naming the command that writes them when the file is not one.
  static func comparisonPartial(_ path: String) throws -> ComparisonPartial {
    do { return try ComparisonPartial(path: path) } catch {
      guard (try? ComparisonPartial.isComparisonPartial(at: path)) == false else { throw error }
      throw DumpError(file: error.file, tensor: error.tensor, problem: error.problem + "; write it with 'deltah compare BEFORE AFTER --shard i/n --partial OUT'")
    }
  }
}
