// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis
import FoundationEssentials
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

  @Option(help: "Table format: markdown, latex, csv or json.")
  var format: TableFormat = .markdown

  @Option(help: "Folder for the tables (in --format) and the SVG figures (created if missing).")
  var out: String?

  @Option(help: "Write the one-page HTML report here.")
  var html: String?

  @Option(help: "Report title.")
  var title: String = "DeltaH report"

  @OptionGroup var settings: AnalysisSettings

  enum TableFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, latex, csv, json
    var fileExtension: String { ["markdown": "md", "latex": "tex", "csv": "csv", "json": "json"][rawValue]! }
  }

  func validate() throws {
    if inputs.isEmpty && comparePair.isEmpty { throw ValidationError("give dumps or deltah --json files, and/or --compare BEFORE AFTER") }
    if !comparePair.isEmpty && comparePair.count != 2 { throw ValidationError("--compare takes exactly two dumps, BEFORE AFTER") }
    if linearized != nil && comparePair.isEmpty { throw ValidationError("--linearized needs --compare BEFORE AFTER") }
    try settings.validate()
  }

  func run() throws {
    try OutputFile.refuseOverwritingInputs(outputs: [html], inputs: inputs + comparePair + (linearized.map { [$0] } ?? []))
    let report = try Self.build(title: title, inputs: inputs, compare: comparePair.isEmpty ? nil : (comparePair[0], comparePair[1]), settings: settings, linearized: linearized)
    // Render everything first; write only when all of it succeeded.
    var files: [(String, String)] = []
    if let out {
      for t in report.tables { files.append((try OutputFile.member("\(t.label).\(format.fileExtension)", ofFolder: out, option: "--out"), Self.render(t, format))) }
      for f in report.figures { files.append((try OutputFile.member("\(f.label).svg", ofFolder: out, option: "--out"), f.svg)) }
    }
    if let html { files.append((html, report.html())) }
    try OutputFile.refuseOverwritingInputs(outputs: files.map(\.0), inputs: [])  // before writing any
    for (path, text) in files { try Self.writeAtomically(text, to: path) }
    for w in report.warnings { writeStandardError("warning: \(w)\n") }
    if files.isEmpty {
      if format == .json {
        print("[\n" + report.tables.map { String(Self.render($0, .json).trimmingWhitespace()) }.joined(separator: ",\n") + "\n]")
      } else {
        print(report.tables.map { Self.render($0, format) }.joined(separator: "\n"), terminator: "")
      }
    } else {
      for (path, _) in files { writeStandardError("wrote \(path)\n") }
    }
  }

  static func render(_ t: ReportTable, _ format: TableFormat) -> String {
    switch format {
    case .markdown: t.markdown()
    case .latex: t.latex()
    case .csv: t.csv()
    case .json: t.json()
    }
  }

  /// Analyses the dumps, reads the JSON files and compares the pair, into one report.
  static func build(title: String, inputs: [String], compare: (String, String)?, settings: AnalysisSettings, linearized: String? = nil) throws -> Reports.RunReport {
    var report = Reports.RunReport(title: title, generator: "DeltaH \(DeltaHVersion.string)", command: "deltah report")
    let series = try DumpPipeline.analyze(paths: inputs.filter { !$0.lowercased().hasSuffix(".json") }, settings: settings.pipeline)
    report.warnings += series.warnings
    report.addAnalyses(series.analyses)
    for path in inputs where path.lowercased().hasSuffix(".json") {
      let data = Data(try InputFile.contents(of: path))  // regular files only: a FIFO does not block
      try report.addDeltaHJSON(data, source: path)
    }
    if let (before, after) = compare {
      let a = try LogitDump(path: before), b = try LogitDump(path: after)
      let comparison = try CheckpointComparison.comparing(before: a, after: b, temperature: settings.temperature)
      report.addComparison(comparison)
      report.addTrustRadius(comparison.trustRadius(tolerance: 0.1), before: before, after: after)
      if let linearized {
        let l = try LinearizedComparison(comparison: comparison, before: a, jvp: LogitDump(path: linearized), temperature: comparison.summary.temperature)
        report.addLinearizedComparison(l, comparison: comparison)
      }
    }
    return report
  }

  /// Writes `text` to `path` through ``OutputFile`` (atomic; folders created; inputs, devices,
  /// FIFOs and folders refused; no temporary file left behind).
  static func writeAtomically(_ text: String, to path: String) throws {
    try OutputFile.write(Array(text.utf8), to: path)
  }
}
