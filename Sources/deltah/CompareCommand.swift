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
    if shard != nil, linearized != nil {
      throw ValidationError("--linearized is not recorded in compare partials: run it without --shard")
    }
    if shard != nil, json || perToken != nil {
      throw ValidationError("--shard writes only the partial; give --json and --per-token to 'deltah merge', which prints the whole comparison")
    }
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken, partial], inputs: [before, after] + (linearized.map { [$0] } ?? []))
    let a = try LogitDump(path: before)
    let b = try LogitDump(path: after)
    let t = temperature ?? a.temperature
    let range = try shard.map { try $0.range(positionShape: a.positionShape, file: before) }
    let comparison = try CheckpointComparison.comparing(before: a, after: b, temperature: temperature, range: range, progress: ProgressBar("comparing").update)
    if let partial, let shard, let range {
      try ComparisonPartial(
        comparison: comparison, beforeIdentity: DumpIdentity(dump: a).description,
        afterIdentity: DumpIdentity(dump: b).description, shard: (shard.index, shard.count)
      ).write(to: partial)
      writeStandardError("wrote compare partial \(partial) (positions \(range.lowerBound)..<\(range.upperBound))\n")
      return
    }
    let linear = try linearized.map { try LinearizedComparison(comparison: comparison, before: a, jvp: LogitDump(path: $0), temperature: t) }
    if let perToken {
      var writer = comparison.perTokenWriter(trustTolerance: trustTolerance)
      linear?.addPerToken(to: &writer)
      try writer.write(to: perToken)
    }
    let s = comparison.summary
    let trust = comparison.trustRadius(tolerance: trustTolerance)
    for warning in linear?.summary.warnings ?? [] { writeStandardError("warning: \(warning)\n") }
    if json {
      try printJSON(ComparisonWithTrustRadius(summary: s, trustRadius: trust, linearized: linear?.summary), kind: .compare)
    } else {
      print(Self.table(s, trust: trust, linearized: linear?.summary))
    }
    for w in s.warnings ?? [] { writeStandardError("warning: \(w)\n") }
  }

  /// The summary as a text table.
  static func table(
    _ s: CheckpointComparison.Summary, trust: CheckpointComparison.TrustRadius, linearized: LinearizedComparison.Summary? = nil
  ) -> String {
    var table = TextTable("quantity", "value")
    table.append("before / after", "\(s.before) / \(s.after)")
    table.append("temperature T", formatNumber(s.temperature))
    table.append("valid tokens", "\(s.tokens)")
    table.append("mean ΔH actual", formatNumber(s.meanDeltaActual))
    table.append("mean ΔH first order", formatNumber(s.meanDeltaFirstOrder))
    table.append("mean ΔH second order", formatNumber(s.meanDeltaSecondOrder))
    table.append("Pearson first / second order", "\(s.pearsonFirstOrder.map { formatNumber($0, digits: 6) } ?? "-") / \(s.pearsonSecondOrder.map { formatNumber($0, digits: 6) } ?? "-")")
    table.append("RMSE first / second order", "\(formatNumber(s.rmseFirstOrder, digits: 4)) / \(formatNumber(s.rmseSecondOrder, digits: 4))")
    table.append("sign agreement (first order)", formatNumber(s.signAgreement, digits: 4))
    table.appendTrustRadius(trust)
    table.append("mean ½ΔᵀFΔ / exact KL", "\(formatNumber(s.meanLocalKL, digits: 4)) / \(formatNumber(s.meanExactKL, digits: 4))")
    if s.nonFiniteRows > 0 { table.append("positions with NaN/Inf logits (excluded)", "\(s.nonFiniteRows)") }
    if let linearized { Self.appendLinearizedRows(linearized, to: &table) }
    return table.rendered() + (s.warnings ?? []).map { "\nwarning: \($0)" }.joined()
  }
}
