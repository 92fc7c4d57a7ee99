// DeltaH — entropy change of softmax policies.

import Foundation
import Reports

/// Output of a notebook-as-script: tables printed to the terminal and written as CSV and Markdown
/// under an output folder (first command-line argument, default `out/<name>/`).
public final class NotebookReport {
  /// The output folder.
  public let directory: URL
  private var markdown: [String] = []
  private let name: String

  /// Creates the output folder (the first command-line argument, default `out/<name>/`) and starts
  /// the Markdown report with the notebook's claim and a pointer to docs/theory.md.
  public convenience init(name: String, claim: String) throws {
    try self.init(name: name, claim: claim, directory: CommandLine.arguments.dropFirst().first ?? "out/\(name)")
  }

  /// Creates the output folder `directory` and starts the Markdown report.
  public init(name: String, claim: String, directory path: String) throws {
    self.name = name
    directory = URL(fileURLWithPath: path, isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let header = "# \(name)\n\n\(claim)\n\nFormulas, derivations and sources: `docs/theory.md` in the DeltaH repository.\n"
    print(header)
    markdown.append(header)
  }

  /// A paragraph of text, printed and added to the Markdown.
  public func note(_ text: String) {
    print(text + "\n")
    markdown.append(text + "\n")
  }

  /// A table: printed aligned, written to `<file>.csv`, and added to the Markdown.
  public func table(_ title: String, file: String, header: [String], rows: [[String]]) throws {
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { c, s in String(repeating: " ", count: widths[c] - s.count) + s }.joined(separator: "  ")
    }
    print("## \(title)\n" + ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n")
    try csv(file: file, header: header, rows: rows)
    var md = ["## \(title)\n", "| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---:" }.joined(separator: "|") + "|"]
    md += rows.map { "| " + $0.joined(separator: " | ") + " |" }
    markdown.append(md.joined(separator: "\n") + "\n\n(CSV: `\(file).csv`)\n")
  }

  /// Writes a CSV file without printing it (for long trajectories). Fields holding a comma, a
  /// double quote or a line break are quoted (RFC 4180, `ReportTable.csvField`): labels such as
  /// `z = [2,1,0,−1]` used to split into several columns.
  public func csv(file: String, header: [String], rows: [[String]]) throws {
    let text = ([header] + rows).map { $0.map(ReportTable.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    try text.write(to: directory.appendingPathComponent("\(file).csv"), atomically: true, encoding: .utf8)
  }

  /// Writes `README.md` with everything reported so far.
  public func finish() throws {
    try markdown.joined(separator: "\n").write(
      to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    print("wrote \(directory.path)/README.md and CSV files")
  }
}

/// A number in `%.<digits>g`.
public func fmt(_ x: Double, _ digits: Int = 6) -> String {
  x.isFinite ? String(format: "%.\(digits)g", x) : "\(x)"
}
