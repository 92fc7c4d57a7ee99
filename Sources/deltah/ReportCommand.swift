// DeltaH — entropy change of softmax policies.

import ArgumentParser
import LogitDumps
import Reports

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Tables (Markdown, LaTeX, CSV, JSON), SVG figures and a one-page HTML report of a run.",
    discussion: """
      Each INPUT is a dump (analysed here, as `deltah analyze` would; several dumps are a series \
      of steps) or a .json file written by `deltah analyze|compare|bandit|mdp|curvature|cliff \
      --json`. --compare BEFORE AFTER adds the checkpoint comparison with its per-position \
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

  @Option(help: "Table format.")
  var format: ReportTableFormat = .markdown

  @Option(help: "Folder for the tables (in --format) and the SVG figures (created if missing).")
  var out: String?

  @Option(help: "Write the one-page HTML report here.")
  var html: String?

  @Option(help: "Title of the --html page (default: DeltaH report).")
  var title: String?

  @OptionGroup var settings: AnalysisSettings

  func validate() throws {
    if inputs.isEmpty && comparePair.isEmpty { throw ValidationError("give dumps or deltah --json files, and/or --compare BEFORE AFTER") }
    if !comparePair.isEmpty && comparePair.count != 2 { throw ValidationError("--compare takes exactly two dumps, BEFORE AFTER") }
    if title != nil && html == nil { throw ValidationError("--title names the --html page; give --html") }
    if linearized != nil && comparePair.isEmpty { throw ValidationError("--linearized needs --compare BEFORE AFTER") }
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [html], inputs: inputs + comparePair + (linearized.map { [$0] } ?? []))
    let pair = comparePair.isEmpty ? nil : (comparePair[0], comparePair[1])
    let report = try RunReport(title: title ?? "DeltaH report", inputs: inputs, compare: pair, settings: settings.pipeline, linearized: linearized)
    let written = try report.write(format: format, folder: out, folderOption: "--out", html: html)
    for w in report.warnings { OutputFile.writeStandardError("warning: \(w)\n") }
    if written.isEmpty { print(report.renderedTables(format: format), terminator: "") }
    for path in written { OutputFile.writeStandardError("wrote \(path)\n") }
  }
}

extension ReportTableFormat: ExpressibleByArgument {}
