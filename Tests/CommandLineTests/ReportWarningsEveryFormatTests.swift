// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// Red team of `deltah report`: a warning of each kind of input reaches every output — standard
/// error, each table in Markdown, LaTeX, CSV and JSON on standard output, the `--out` files and
/// the warning box of the `--html` page. `everyJSONProducerFeedsReportAndWarningsReachEveryFormat`
/// checks this for an `analyze` warning only; the kinds below lost theirs.
@Suite("deltah report: every warning reaches every format")
struct ReportWarningsEveryFormatTests {
  let scratch = ScratchFolder("report-warnings")
  static func step(_ i: Int) -> String { "\(AnalyzeCommandTests.sample)/step_000\(i).safetensors" }

  /// The warning box of an HTML page (empty when there is none): a figure caption does not count.
  static func warningBox(_ page: String) -> String {
    guard let start = page.range(of: "<div class=\"warnings\""), let end = page.range(of: "</div>", range: start.upperBound..<page.endIndex) else { return "" }
    return String(page[start.lowerBound..<end.upperBound])
  }

  /// `deltah report inputs` in every table format, and with `--out` (CSV files) and `--html`:
  /// `fragment` is on standard error, in every table's warning note, `# warning:` line or
  /// `warnings` array, in every written table and in the HTML warning box.
  func expectWarning(_ fragment: String, reachesEveryFormatOf inputs: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for format in ["markdown", "latex", "csv"] {
      let r = try runDeltaH(["report"] + inputs + ["--format", format])
      #expect(r.status == 0, "\(format): \(r.standardError)", sourceLocation: sourceLocation)
      #expect(r.standardError.contains("warning: ") && r.standardError.contains(fragment), "\(format) stderr: \(r.standardError)", sourceLocation: sourceLocation)
      let marker = ["markdown": "> - ", "latex": "\\textbf{Warning:} ", "csv": "# warning: "][format]!
      let noted = r.standardOutput.split(separator: "\n").filter { $0.contains(marker) && $0.contains(fragment) }.count
      // One provenance line, \begin{table} or label line per table.
      let tables = r.standardOutput.components(separatedBy: ["markdown": "\n*DeltaH ", "latex": "\\begin{table}", "csv": "# label: "][format]!).count - 1
      #expect(tables > 0 && noted == tables, "\(format): \(noted) notes for \(tables) tables", sourceLocation: sourceLocation)
    }
    let json = try runDeltaH(["report"] + inputs + ["--format", "json"])
    let tables = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]], sourceLocation: sourceLocation)
    #expect(!tables.isEmpty && tables.allSatisfy { ($0["warnings"] as? [String])?.contains { $0.contains(fragment) } == true }, sourceLocation: sourceLocation)
    let out = scratch.path("out-\(UUID().uuidString)"), html = "\(out)/report.html"
    let written = try runDeltaH(["report"] + inputs + ["--format", "csv", "--out", out, "--html", html])
    #expect(written.status == 0, "\(written.standardError)", sourceLocation: sourceLocation)
    let csvs = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".csv") }
    #expect(!csvs.isEmpty, sourceLocation: sourceLocation)
    for name in csvs {
      let text = try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8)
      #expect(text.split(separator: "\r\n").contains { $0.hasPrefix("# warning: ") && $0.contains(fragment) }, "\(name)", sourceLocation: sourceLocation)
    }
    #expect(Self.warningBox(try String(contentsOfFile: html, encoding: .utf8)).contains(fragment), sourceLocation: sourceLocation)
  }

  /// Before: the law's warnings were only in the figure caption (no stderr line, no table note,
  /// an empty `warnings` array, no HTML warning box).
  @Test func lawWarnings() throws {
    let log = try scratch.file("log.csv", "step,entropy,reward\n0,2.0,0.1\n1,1.5,0.3\n2,1.0,0.5\n3,0.7,0.6\n")
    let law = try runDeltaH(["law", log, "--json"])
    #expect(law.status == 0 && law.standardError.contains("only 4 steps are fitted"))
    try expectWarning("only 4 steps are fitted", reachesEveryFormatOf: [try scratch.file("law.json", law.standardOutput)])
  }

  /// Before: the what-if's warnings were only rows of a separate "Warnings" table.
  @Test func whatIfWarnings() throws {
    let w = try runDeltaH(["whatif", Self.step(2), "--json"])
    #expect(w.status == 0 && w.standardError.contains("impossible logged values"))
    try expectWarning("impossible logged values", reachesEveryFormatOf: [try scratch.file("whatif.json", w.standardOutput)])
  }

  /// Before: `merge` of compare partials that do not cover the dump said so on standard error
  /// only; its JSON (and table) had no warning, so a report presented half a comparison as whole.
  @Test func incompleteCompareMergeWarns() throws {
    let part = scratch.path("cp0.safetensors")
    #expect(try runDeltaH(["compare", Self.step(1), Self.step(2), "--shard", "0/2", "--partial", part]).status == 0)
    let merged = try runDeltaH(["merge", part, "--json"])
    #expect(merged.status == 0, "\(merged.standardError)")
    #expect((try merged.jsonObject()["warnings"] as? [String]) == ["the partials cover 96 of 192 positions: the result is not the whole comparison's"])
    #expect(merged.standardError.components(separatedBy: "not the whole comparison's").count == 2)  // once, not twice
    let table = try runDeltaH(["merge", part])
    #expect(table.standardOutput.contains("warning: the partials cover 96 of 192 positions"))
    try expectWarning("the partials cover 96 of 192 positions", reachesEveryFormatOf: [try scratch.file("merged.json", merged.standardOutput)])
  }

  /// Before: `report --compare A B --linearized J` put the jvp dump's warnings in rows of the
  /// decomposition table only (no stderr line, no note under the other tables, no HTML box).
  @Test func linearizedWarnings() throws {
    let (a, b, j) = try LinearizedCommandTests.writeDumps(jvpStep: "4")
    defer { for p in [a, b, j] { try? FileManager.default.removeItem(atPath: p) } }
    try expectWarning("metadata step 4 differs", reachesEveryFormatOf: ["--compare", a, b, "--linearized", j])
    let json = try runDeltaH(["compare", a, b, "--linearized", j, "--json"])
    let file = try scratch.file("lin.json", json.standardOutput)
    try expectWarning("metadata step 4 differs", reachesEveryFormatOf: [file])
    // Once per table, not once from the comparison and again from the linearised part.
    let csv = try runDeltaH(["report", file, "--format", "csv"]).standardOutput
    let notes = csv.split(separator: "\r\n").filter { $0.hasPrefix("# warning: ") && $0.contains("metadata step 4 differs") }.count
    let tables = csv.components(separatedBy: "# label: ").count - 1
    #expect(notes == tables)
  }

  /// Before: `curvature DUMP --positions` warned of nothing — tensors it ignored, a `--temperature`
  /// that overrides the metadata's, T = 1 by default — and did not say where T came from.
  @Test func curvatureOfADumpWarns() throws {
    let dump = "\(AnalyzeCommandTests.sample)/../trl-tiny/step_000001.before.safetensors"
    let r = try runDeltaH(["curvature", dump, "--positions", "0", "--top", "2", "--temperature", "2", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    #expect(o["temperature_source"] as? String == "flag")
    let warnings = try #require(o["warnings"] as? [String])
    #expect(warnings.contains { $0.hasPrefix("tensor 'prompt_ids' is not part of the dump contract") })
    #expect(warnings.last == "temperature 2.0 given on the command line; the dump's metadata says 0.9")
    #expect(r.standardError.contains("warning: \(dump): temperature 2.0 given on the command line"))
    let table = try runDeltaH(["curvature", dump, "--positions", "0", "--top", "2"])
    #expect(table.standardOutput.contains("temperature source: metadata") && table.standardOutput.contains("warning: tensor 'prompt_mask'"))
    let file = try scratch.file("curvature.json", r.standardOutput)
    try expectWarning("temperature 2.0 given on the command line", reachesEveryFormatOf: [file])
    let json = try runDeltaH(["report", file, "--format", "json"]).standardOutput
    #expect(json.contains("\(dump): tensor 'prompt_ids' is not part of the dump contract"))
    let csv = try runDeltaH(["report", file, "--format", "csv"]).standardOutput
    #expect(csv.contains("# temperature: 2 (flag)") && csv.contains("# method: dense"))
  }
}
