// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyDynamics
import FoundationEssentials
import LogitDumps
import _NumericsSupport

/// The format of a report's tables on standard output or in files.
public enum ReportTableFormat: String, Sendable, CaseIterable {
  case markdown, latex, csv, json

  /// The file name extension: md, tex, csv, json.
  ///
  /// - Complexity: O(1).
  public var fileExtension: String {
    switch self {
    case .markdown: "md"
    case .latex: "tex"
    case .csv: "csv"
    case .json: "json"
    }
  }

  /// `table` in this format (``ReportTable/markdown()``, ``ReportTable/latex()``,
  /// ``ReportTable/csv()``, ``ReportTable/json()``).
  ///
  /// - Complexity: O(size of the table).
  public func render(_ table: ReportTable) -> String {
    switch self {
    case .markdown: table.markdown()
    case .latex: table.latex()
    case .csv: table.csv()
    case .json: table.json()
    }
  }
}

extension RunReport {
  /// The report of a run's files: the dumps among `inputs` analysed in step order by
  /// ``DumpPipeline/analyze(paths:settings:progress:)`` (their series warnings kept), then each
  /// `.json` input (any case of the extension) read as DeltaH JSON (``addDeltaHJSON(_:source:)``),
  /// then the checkpoint comparison of `compare` with its trust radius (ε = ``EntropyChange/defaultTrustTolerance``) and, with a jvp
  /// dump `linearized`, the linearised-network prediction.
  ///
  /// - Parameters:
  ///   - title: the page title.
  ///   - inputs: dumps and DeltaH `--json` files.
  ///   - compare: two dumps of the same positions, before and after, or nil.
  ///   - settings: T, η and the batch options of the dump analyses; T of the comparison.
  ///   - linearized: with `compare`, a jvp dump (J·Δθ) of the before dump's positions.
  ///   - command: the command recorded in the provenance.
  /// - Throws: ``DumpError`` from the dumps and files, ``ReportError`` from the JSON inputs, and
  ///   the errors of the comparison; nothing is returned unless every input was read.
  /// - Complexity: the analyses of the dumps plus the size of the JSON files.
  public init(
    title: String, inputs: [String], compare: (String, String)?, settings: DumpAnalysisSettings,
    linearized: String? = nil, command: String = "deltah report"
  ) throws {
    self.init(title: title, generator: "DeltaH \(DeltaHVersion.string)", command: command)
    let series = try DumpPipeline.analyze(paths: inputs.filter { !$0.lowercased().hasSuffix(".json") }, settings: settings)
    warnings += series.warnings
    addAnalyses(series.analyses)
    for path in inputs where path.lowercased().hasSuffix(".json") {
      let data = Data(try InputFile.contents(of: path))  // regular files only: a FIFO does not block
      try addDeltaHJSON(data, source: path)
    }
    if let (before, after) = compare {
      let a = try LogitDump(path: before), b = try LogitDump(path: after)
      let comparison = try CheckpointComparison.comparing(before: a, after: b, temperature: settings.temperature)
      addComparison(comparison)
      addTrustRadius(comparison.trustRadius(tolerance: EntropyChange.defaultTrustTolerance), before: before, after: after)
      if let linearized {
        let l = try LinearizedComparison(
          comparison: comparison, before: a, jvp: LogitDump(path: linearized), temperature: comparison.summary.temperature)
        addLinearizedComparison(l, comparison: comparison)
      }
    }
  }

  /// Writes the report's files and returns their paths (empty when neither `folder` nor `html` is
  /// given): each table in `format` to `folder/<label>.<extension>` and each figure to
  /// `folder/<label>.svg` with its caption and the warnings (``Figure/standaloneSVG(warnings:)``)
  /// (the folder created if missing), and the one-page HTML to `html`.
  ///
  /// Everything is rendered first, and every path checked (``OutputFile/member(_:ofFolder:option:)``,
  /// ``OutputFile/refuseOverwritingInputs(outputs:inputs:)``) before any is written; each file is
  /// written atomically through ``OutputFile/write(_:to:)`` (devices, FIFOs and folders refused, no
  /// temporary file left behind).
  ///
  /// - Parameters:
  ///   - folderOption: how the caller names the folder in errors (e.g. the option that gave it).
  /// - Throws: ``DumpError`` naming the path that cannot be written.
  /// - Complexity: O(size of the rendered report).
  public func write(format: ReportTableFormat, folder: String?, folderOption: String, html: String?) throws(DumpError) -> [String] {
    var files: [(path: String, text: String)] = []
    if let folder {
      for t in tables {
        files.append((try OutputFile.member("\(t.label).\(format.fileExtension)", ofFolder: folder, option: folderOption), format.render(t)))
      }
      for f in figures {
        files.append((try OutputFile.member("\(f.label).svg", ofFolder: folder, option: folderOption), f.standaloneSVG(warnings: warnings)))
      }
    }
    if let html { files.append((html, self.html())) }
    try OutputFile.refuseOverwritingInputs(outputs: files.map(\.path), inputs: [])  // before writing any
    for (path, text) in files { try OutputFile.write(Array(text.utf8), to: path) }
    return files.map(\.path)
  }

  /// Every table in `format`, as standard output shows it: for JSON one array of the tables'
  /// objects (with a final newline), otherwise the tables one after the other.
  ///
  /// - Complexity: O(size of the tables).
  public func renderedTables(format: ReportTableFormat) -> String {
    guard format == .json else { return tables.map { format.render($0) }.joined(separator: "\n") }
    return "[\n" + tables.map { String(format.render($0).trimmingWhitespace()) }.joined(separator: ",\n") + "\n]\n"
  }
}
