// DeltaH — entropy change of softmax policies.

import Reports
import ArgumentParser
import LogitDumps
import EntropyPerformanceLaw

struct LawCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "law",
    abstract: "Fit the entropy–performance law R = b − a·e^H (Cui et al. 2025) to a run; ceiling b − a with a bootstrap interval.",
    discussion: """
      FILE is a training log: CSV with a header row, JSON lines, or the output of `deltah bandit|mdp \
      --json` (one point per step record, plus the final state). With --rewards, the FILEs are dumps \
      of successive steps: the entropy is each dump's token-mean entropy (as `deltah analyze` computes \
      it) and the performance comes from the rewards log's row with the dump's `step` metadata. \
      The fit is least squares on x = e^H (GSL gsl_fit_linear); intervals are percentile bootstraps \
      over steps. With --fit-fraction f only the first ⌊f·n⌋ steps are fitted and the rest are \
      predicted: holdout_rmse, holdout_max_error.
      """)

  @Argument(help: "A training log (CSV, JSON lines, deltah bandit/mdp --json; - reads standard input), or dumps with --rewards.")
  var files: [String]

  @Option(help: "Entropy column or key (default: entropy).")
  var entropy: String?

  @Option(help: "Performance column or key (default: reward).")
  var performance: String?

  @Option(help: "Step column or key, used when present (default: step; required with --rewards).")
  var step: String?

  @Option(help: "With dumps: a CSV or JSON-lines log of the performance per step.")
  var rewards: String?

  @Option(help: "Fit the first ⌊f·n⌋ steps only and report the error on the rest (0 < f < 1).", transform: CheckedArgument.openFraction)
  var fitFraction: Double?

  @Option(
    help: "Bootstrap resamples over steps (default: \(EntropyPerformanceLaw.Options.defaultBootstrapResamples)).",
    transform: CheckedArgument.integer(in: EntropyPerformanceLaw.Options.minimumBootstrapResamples...EntropyPerformanceLaw.Options.maximumBootstrapResamples))
  var bootstrap: Int = EntropyPerformanceLaw.Options.defaultBootstrapResamples

  @Option(help: "Seed of the bootstrap (GSL mt19937).")
  var seed: UInt64 = 0

  @Option(help: "With dumps: temperature T > 0 (default: each dump's metadata, else 1).", transform: CheckedArgument.temperature)
  var temperature: Double?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    if rewards == nil, files.count != 1 { throw ValidationError("give one training log, or dumps with --rewards LOG") }
    if rewards == nil, temperature != nil { throw ValidationError("--temperature applies to dumps (with --rewards)") }
    if rewards != nil, entropy != nil { throw ValidationError("--entropy names a log column; with --rewards the entropy is each dump's token mean") }
  }

  func run() throws {
    let columns = LawObservations.Columns(entropy: entropy ?? "entropy", performance: performance ?? "reward", step: step ?? "step")
    let input: LawInput =
      if let rewards { .dumps(paths: files, rewards: rewards, temperature: temperature) }
      else { files[0] == "-" ? .standardInput : .log(path: files[0]) }
    let law = try EntropyPerformanceLaw.fit(
      input, columns: columns, options: .init(fitFraction: fitFraction, bootstrapResamples: bootstrap, seed: seed)
    ) { ProgressBar("reading \($0)").update }
    try output.print(law, kind: .law, warnings: law.warnings) { TextTable.entropyPerformanceLaw(law, sources: sources) }
  }

  /// Where the column names and B came from: "default", or the option that set them.
  private var sources: TextTable.LawSettingSources {
    func source(_ given: String?, _ option: String) -> String { given == nil ? "default" : option }
    let b = bootstrap == EntropyPerformanceLaw.Options.defaultBootstrapResamples ? "default" : "--bootstrap"
    return .init(
      entropyColumn: rewards == nil ? source(entropy, "--entropy") : nil, performanceColumn: source(performance, "--performance"),
      stepColumn: source(step, "--step"), bootstrap: b)
  }
}
