// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps
import Reports

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Actual vs predicted entropy change between two checkpoints' logits at the same positions.",
    discussion: """
      Per position: actual ΔH = H(after) − H(before), first order −Cov_π(log π, Δz/T), second order \
      adding ½ (Δz/T)ᵀ∇²H(Δz/T). Summary keys: tokens, pearson_first_order, pearson_second_order, \
      rmse_first_order, rmse_second_order, sign_agreement, temperature and temperature_source.
      """)

  @Argument(help: "The dump at the earlier checkpoint.")
  var before: String

  @Argument(help: "The dump at the later checkpoint (same positions and vocabulary).")
  var after: String

  @Option(parsing: .unconditional, help: "Temperature T > 0 (default: the before dump's metadata 'temperature', else 1).", transform: CheckedArgument.temperature)
  var temperature: Double?

  @OptionGroup var sharding: ShardOptions

  @Option(help: "Write delta_actual, delta_first_order, delta_second_order, local_kl, exact_kl, trust_scale and valid (with --linearized also delta_linearized_first_order, logit_nonlinearity, second_order_remainder, linearized_valid) to this .safetensors file.")
  var perToken: String?

  @OptionGroup var trust: TrustToleranceOption

  @Option(help: "A jvp dump (J·Δθ of the raw logits as 'logits', same positions as BEFORE): adds Lemma 1 on the linearised network and the decomposition of the actual ΔH.")
  var linearized: String?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    if sharding.shard != nil, linearized != nil { throw ValidationError("--linearized is not recorded in compare partials: run it without --shard") }
    if sharding.shard != nil, trust.given != nil {
      throw ValidationError("--trust-tolerance is not recorded in compare partials: give it to 'deltah merge', which computes the trust radius")
    }
    try sharding.refuse(json: output.json, perToken: perToken, whole: "whole comparison")
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [perToken, sharding.partial], inputs: [before, after] + (linearized.map { [$0] } ?? []))
    let a = try LogitDump(path: before), b = try LogitDump(path: after)
    let range = try sharding.shard.map { try $0.range(positionShape: a.positionShape, file: before) }
    let settings = ComparisonSettings(temperature: temperature, trustTolerance: trust.value, range: range, linearized: linearized)
    let run = try DumpPipeline.compare(before: a, after: b, settings: settings, progress: ProgressBar("comparing").update)
    if let partial = sharding.partial, let shard = sharding.shard, let range {
      try run.partial(shard: (shard.index, shard.count)).write(to: partial)
      return OutputFile.writeStandardError("wrote compare partial \(partial) (positions \(range.lowerBound)..<\(range.upperBound))\n")
    }
    if let perToken { try run.perTokenWriter().write(to: perToken) }
    try output.print(run.result)
  }
}
