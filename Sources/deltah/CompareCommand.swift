// DeltaH — entropy change of softmax policies.

import Reports
import ArgumentParser
import DumpAnalysis
import LogitDumps

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Actual vs predicted entropy change between two checkpoints' logits at the same positions.",
    discussion: """
      Per position: actual ΔH = H(after) − H(before), first order −Cov_π(log π, Δz/T), second order \
      adding ½ (Δz/T)ᵀ∇²H(Δz/T). Summary keys: tokens, pearson_first_order, pearson_second_order, \
      rmse_first_order, rmse_second_order, sign_agreement.
      """)

  @Argument(help: "The dump at the earlier checkpoint.")
  var before: String

  @Argument(help: "The dump at the later checkpoint (same positions and vocabulary).")
  var after: String

  @Option(parsing: .unconditional, help: "Temperature T > 0 (default: the before dump's metadata 'temperature', else 1).")
  var temperature: Double?

  @Option(help: "Compare shard i of n (e.g. 0/4): whole sequences of a [B, T] dump, contiguous positions of an [N] dump; with --partial.")
  var shard: ShardArgument?

  @Option(help: "With --shard: where to write the shard's partial for `deltah merge`.")
  var partial: String?

  @Option(help: "Write delta_actual, delta_first_order, delta_second_order, local_kl, exact_kl to this .safetensors file.")
  var perToken: String?

  @Option(parsing: .unconditional, help: "Trust tolerance ε: a position is inside the trust radius when ½ΔxᵀQΔx ≤ ε·|first order|.")
  var trustTolerance: Double = 0.1

  @Option(help: "A jvp dump (J·Δθ of the raw logits as 'logits', same positions as BEFORE): adds Lemma 1 on the linearised network and the decomposition of the actual ΔH.")
  var linearized: String?

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    guard trustTolerance.isFinite, trustTolerance > 0 else { throw ValidationError("--trust-tolerance must be a finite number > 0, got \(trustTolerance)") }
    if let temperature { try AnalysisSettings.checkTemperature(temperature, argument: "--temperature") }
    if (shard == nil) != (partial == nil) { throw ValidationError("--shard and --partial go together") }
    if shard != nil, linearized != nil { throw ValidationError("--linearized is not recorded in compare partials: run it without --shard") }
    if shard != nil, json || perToken != nil {
      throw ValidationError("--shard writes only the partial; give --json and --per-token to 'deltah merge', which prints the whole comparison")
    }
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken, partial], inputs: [before, after] + (linearized.map { [$0] } ?? []))
    let a = try LogitDump(path: before), b = try LogitDump(path: after)
    let range = try shard.map { try $0.range(positionShape: a.positionShape, file: before) }
    let settings = ComparisonSettings(temperature: temperature, trustTolerance: trustTolerance, range: range, linearized: linearized)
    let run = try DumpPipeline.compare(before: a, after: b, settings: settings, progress: ProgressBar("comparing").update)
    if let partial, let shard, let range {
      try run.partial(shard: (shard.index, shard.count)).write(to: partial)
      return writeStandardError("wrote compare partial \(partial) (positions \(range.lowerBound)..<\(range.upperBound))\n")
    }
    if let perToken { try run.perTokenWriter().write(to: perToken) }
    for warning in run.result.linearized?.warnings ?? [] { writeStandardError("warning: \(warning)\n") }
    if json { try printJSON(run.result, kind: .compare) } else { print(TextTable.comparisonText(run.result)) }
    for w in run.result.summary.warnings ?? [] { writeStandardError("warning: \(w)\n") }
  }
}
