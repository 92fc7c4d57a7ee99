// DeltaH — entropy change of softmax policies.

import Reports
import ArgumentParser
import DumpAnalysis
import EntropyPerformanceLaw
import LogitDumps

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

  @Option(help: "Fit the first ⌊f·n⌋ steps only and report the error on the rest (0 < f < 1).")
  var fitFraction: Double?

  @Option(help: "Bootstrap resamples over steps (default: \(EntropyPerformanceLaw.Options.defaultBootstrapResamples)).")
  var bootstrap: Int = EntropyPerformanceLaw.Options.defaultBootstrapResamples

  @Option(help: "Seed of the bootstrap (GSL mt19937).")
  var seed: UInt64 = 0

  @Option(help: "With dumps: temperature T (default: each dump's metadata, else 1).")
  var temperature: Double?

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    if rewards == nil, files.count != 1 { throw ValidationError("give one training log, or dumps with --rewards LOG") }
    if let f = fitFraction, !(f > 0 && f < 1) { throw ValidationError("--fit-fraction must be in (0, 1), got \(f)") }
    if bootstrap < 1 { throw ValidationError("--bootstrap must be ≥ 1, got \(bootstrap)") }
    if bootstrap > EntropyPerformanceLaw.Options.maximumBootstrapResamples {
      throw ValidationError("--bootstrap \(bootstrap) is too many: at most \(EntropyPerformanceLaw.Options.maximumBootstrapResamples)")
    }
    if let t = temperature, !(t.isFinite && t > 0) { throw ValidationError("--temperature must be a finite number > 0") }
    if rewards == nil, temperature != nil { throw ValidationError("--temperature applies to dumps (with --rewards)") }
    if rewards != nil, entropy != nil { throw ValidationError("--entropy names a log column; with --rewards the entropy is each dump's token mean") }
  }

  func run() throws {
    let columns = LawObservations.Columns(
      entropy: entropy ?? "entropy", performance: performance ?? "reward", step: step ?? "step", stepRequired: rewards != nil,
      entropyRequired: rewards == nil)
    let observations: LawObservations
    var dumpWarnings: [String] = []
    if let rewards {
      let log = try LawObservations(contentsOf: rewards, columns: columns)
      var dumps: [DumpEntropy] = []
      for path in files {
        let dump = try LogitDump(path: path)
        let table = try PositionTable(dump: dump, temperature: temperature ?? dump.temperature, progress: ProgressBar("reading \(path)").update)
        let analysis = try BatchAnalysis(dump: dump, table: table, options: AnalysisOptions())
        // What the dump itself tells (ignored tensors such as attention_mask, impossible values, an
        // entropy audit) changes the token-mean entropy fitted here: it reaches every output. The
        // η warning does not apply (the law uses no polarity).
        dumpWarnings += analysis.summary.warnings.filter { !$0.hasPrefix("η = 1 by default") }.map { "\(path): \($0)" }
        guard let h = analysis.summary.entropyTokenMean else {
          throw LawError(source: path, problem: "no entropy: the dump has neither logits nor a logged entropy")
        }
        dumps.append(DumpEntropy(file: path, step: dump.step, entropy: h))
      }
      observations = try LawObservations(dumps: dumps, rewards: log)
    } else {
      if files[0] == "-" {
        let text = String(decoding: try InputFile.standardInput(), as: UTF8.self)  // bounded: /dev/zero is an error
        observations = try LawObservations(text: text, source: "standard input", columns: columns)
      } else {
        observations = try LawObservations(contentsOf: files[0], columns: columns)
      }
    }
    var law = try EntropyPerformanceLaw(
      observations: observations, options: .init(fitFraction: fitFraction, bootstrapResamples: bootstrap, seed: seed))
    law.warnings = dumpWarnings + law.warnings
    if json {
      try printJSON(law, kind: .law)
    } else {
      print(table(law))
    }
    for w in law.warnings { writeStandardError("warning: \(w)\n") }
  }

  func table(_ law: EntropyPerformanceLaw) -> String {
    func source(_ given: String?, _ option: String) -> String { given == nil ? "default" : option }
    var t = TextTable("quantity", "value")
    t.append("input", "\(law.source) (\(law.format))")
    t.append("entropy column", rewards == nil ? "\(law.entropyColumn) (\(source(entropy, "--entropy")))" : law.entropyColumn)
    t.append("performance column", "\(law.performanceColumn) (\(source(performance, "--performance")))")
    t.append("step column", law.stepColumn.map { "\($0) (\(source(step, "--step")))" } ?? "none (file order)")
    t.append("points (fitted / all)", "\(law.fitCount) / \(law.count)")
    let level = formatNumber(law.options.confidenceLevel * 100, digits: 3)
    func withInterval(_ x: Double, _ se: Double, _ i: EntropyPerformanceLaw.Interval) -> String {
      "\(formatNumber(x, digits: 6)) ± \(formatNumber(se, digits: 3)) (s.e.); \(level)% bootstrap [\(formatNumber(i.lower, digits: 6)), \(formatNumber(i.upper, digits: 6))]"
    }
    t.append("a", withInterval(law.a, law.aStandardError, law.aInterval))
    t.append("b", withInterval(law.b, law.bStandardError, law.bInterval))
    t.append("ceiling b − a (R at H = 0)", withInterval(law.ceiling, law.ceilingStandardError, law.ceilingInterval))
    t.append("fit RMSE", formatNumber(law.fitRMSE, digits: 4))
    if let f = law.options.fitFraction, let c = law.holdoutCount, let r = law.holdoutRMSE, let e = law.holdoutMaxError, let fe = law.holdoutFinalError {
      t.append("fit fraction", "\(formatNumber(f)) (first \(law.fitCount) points)")
      t.append("holdout RMSE (\(c) later points)", formatNumber(r, digits: 4))
      t.append("holdout max |error|", formatNumber(e, digits: 4))
      t.append("final-step error R̂ − R", formatNumber(fe, digits: 4))
    }
    t.append("bootstrap", "\(law.options.bootstrapResamples) resamples over steps (\(bootstrap == EntropyPerformanceLaw.Options.defaultBootstrapResamples ? "default" : "--bootstrap")), seed \(law.options.seed)")
    var lines = ["R = b − a·e^H (Cui et al. 2025, Eq. 6), least squares on x = e^H", t.rendered()]
    for n in law.notes { lines.append("note: \(n)") }
    for w in law.warnings { lines.append("warning: \(w)") }
    return lines.joined(separator: "\n")
  }
}
