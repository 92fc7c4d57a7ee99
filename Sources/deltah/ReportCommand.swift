// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import LogitDumps
import Reports

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Tables (Markdown, LaTeX, CSV, JSON), SVG figures and a one-page HTML report of a run.",
    discussion: """
      Each INPUT is a dump (analysed here, as `deltah analyze` would; several dumps are a series \
      of steps) or a .json file written by `deltah step|analyze|compare|merge|bandit|mdp|curvature|cliff|\
      law|whatif --json` or `deltah sweep --format json`. --compare BEFORE AFTER adds the checkpoint comparison with its per-position \
      predicted-vs-actual scatter. Tables go to standard output in --format, or with --out DIR \
      to DIR/<label>.<md|tex|csv|json> beside DIR/<figure>.svg; --html writes the one-page \
      report. Every table records the settings and files that produced it. Nothing is written \
      unless every input was read.
      """)

  @Argument(help: "Dumps and/or deltah --json files.")
  var inputs: [String] = []

  @Option(name: .customLong("compare"), parsing: .upToNextOption, help: "BEFORE AFTER: two dumps of the same positions.")
  var comparePair: [String] = []

  @Option(help: "With --compare: a jvp dump (J·Δθ) of BEFORE's positions; adds the linearised-network prediction and the decomposition of ΔH.")
  var linearized: String?

  @Option(help: "Table format (default: markdown).")
  var format: ReportTableFormat?

  @Option(help: "Folder for the tables (in --format) and the SVG figures (created if missing).")
  var out: String?

  @Option(help: "Write the one-page HTML report here.")
  var html: String?

  @Option(help: "Title of the --html page (default: DeltaH report).")
  var title: String?

  @Option(parsing: .unconditional, help: "Dump inputs: temperature T > 0 (default: each dump's metadata 'temperature', else 1); also --compare's.", transform: CheckedArgument.temperature)
  var temperature: Double?

  @Option(parsing: .unconditional, help: "Dump inputs: η > 0 of the polarity split (default: the dump's metadata 'lr', else 1, with a warning).", transform: CheckedArgument.positive)
  var lr: Double?

  @OptionGroup var clipping: ClippingSettings

  func validate() throws {
    if inputs.isEmpty && comparePair.isEmpty { throw ValidationError("give dumps or deltah --json files, and/or --compare BEFORE AFTER") }
    if !comparePair.isEmpty && comparePair.count != 2 { throw ValidationError("--compare takes exactly two dumps, BEFORE AFTER") }
    if title != nil && html == nil { throw ValidationError("--title names the --html page; give --html") }
    if linearized != nil && comparePair.isEmpty { throw ValidationError("--linearized needs --compare BEFORE AFTER") }
    if format != nil && html != nil && out == nil {
      throw ValidationError("--format sets the tables of standard output or --out; with --html alone no table is written in it: give --out DIR too")
    }
    // Dumps are analysed here; .json inputs (the same rule as RunReport's) are reported as computed.
    if !inputs.contains(where: { !$0.lowercased().hasSuffix(".json") }) {
      for (flag, given) in [
        ("--lr", lr != nil), ("--clip-low", clipping.clipLow != nil), ("--clip-high", clipping.clipHigh != nil),
        ("--dual-clip", clipping.dualClip != nil), ("--temperature", temperature != nil && comparePair.isEmpty),
      ] where given {
        throw ValidationError("\(flag) has no effect on report without dump inputs: .json inputs are reported as they were computed\(comparePair.isEmpty ? "" : " and --compare reads only --temperature")")
      }
    }
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [html], inputs: inputs + comparePair + (linearized.map { [$0] } ?? []))
    let pair = comparePair.isEmpty ? nil : (comparePair[0], comparePair[1])
    let report = try RunReport(title: title ?? "DeltaH report", inputs: inputs, compare: pair, settings: DumpAnalysisSettings(temperature: temperature, learningRate: lr, options: AnalysisOptions(clipping: clipping.settings)),
      linearized: linearized)
    let format = format ?? .markdown
    let written = try report.write(format: format, folder: out, folderOption: "--out", html: html)
    for w in report.warnings { OutputFile.writeStandardError("warning: \(w)\n") }
    if written.isEmpty { print(report.renderedTables(format: format), terminator: "") }
    for path in written { OutputFile.writeStandardError("wrote \(path)\n") }
  }
}

extension ReportTableFormat: ExpressibleByArgument {}
