// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
@testable import Reports

/// A fixed table exercising every cell kind, units, NaN/±∞, a missing value, LaTeX specials and a
/// CSV field that needs quoting.
func goldenTable() -> ReportTable {
  var p = Provenance(generator: "DeltaH 0.1.0", command: "deltah report")
  p.set("temperature", 0.7)
  p.set("lr", 1e-6)
  p.set("kl_cov_ratio", 0.0002)
  p.set("seed", "1")
  p.sources = ["run_a/step_0001.safetensors", "run_a/step_0002.safetensors"]
  var t = ReportTable(
    title: "Entropy & covariance per step (50% of tokens, T = 0.7)", label: "entropy_per step",
    columns: [
      .init("step"), .init("tokens"), .init("H token-mean", unit: "nats"), .init("ΔH to next", unit: "nats"),
      .init("Cov(log π, A)"), .init("dump"),
    ],
    provenance: p)
  t.append([.integer(1), .integer(4096), .number(0.672_345_1), .number(-1.234_567e-5), .number(0.25), .text("run_a/step_0001.safetensors")])
  t.append([.integer(2), .integer(123_456_789), .number(12_345.678), .number(.nan), .number(.infinity), .text("a, \"quoted\" name")])
  t.append([.integer(3), .integer(0), .number(0), .missing, .number(-.infinity), .text("x_1 $#{}~^\\")])
  return t
}

enum Golden {
  /// The folder of committed goldens (Tests/ReportsTests/Golden).
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

  /// Compares `text` with the committed golden `name`. With DELTAH_UPDATE_GOLDEN=1 in the
  /// environment the golden is rewritten instead (and the test still passes): review the diff
  /// and commit it.
  static func check(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = directory.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["DELTAH_UPDATE_GOLDEN"] == "1" {
      try Data(text.utf8).write(to: url, options: .atomic)
      return
    }
    let expected = try String(decoding: Data(contentsOf: url), as: UTF8.self)
    #expect(text == expected, "output differs from Golden/\(name); regenerate with DELTAH_UPDATE_GOLDEN=1 if intended", sourceLocation: sourceLocation)
  }
}

@Suite("Report tables")
struct TableFormatTests {
  @Test func markdownMatchesGolden() throws { try Golden.check(goldenTable().markdown(), "table.md") }
  @Test func latexMatchesGolden() throws { try Golden.check(goldenTable().latex(), "table.tex") }
  @Test func csvMatchesGolden() throws { try Golden.check(goldenTable().csv(), "table.csv") }
  @Test func jsonMatchesGolden() throws { try Golden.check(goldenTable().json(), "table.json") }

  @Test func significantDigits() {
    #expect(NumberFormatting.significant(0.5, digits: 4) == "0.5000")
    #expect(NumberFormatting.significant(0.672_345_1, digits: 4) == "0.6723")
    #expect(NumberFormatting.significant(12_345.678, digits: 4) == "1.235e4")
    #expect(NumberFormatting.significant(-1.234_567e-5, digits: 4) == "-1.235e-5")
    #expect(NumberFormatting.significant(1234.4, digits: 4) == "1234")
    #expect(NumberFormatting.significant(0, digits: 3) == "0")
    #expect(NumberFormatting.significant(.nan, digits: 4) == "NaN")
    #expect(NumberFormatting.significant(-.infinity, digits: 4) == "-inf")
    #expect(NumberFormatting.exact(0.1) == "0.1")
    #expect(NumberFormatting.exact(1e-6) == "1e-6")
    #expect(NumberFormatting.exact(123_456_789) == "123456789")
  }

  @Test func csvQuotingFollowsRFC4180() throws {
    #expect(ReportTable.csvField("plain") == "plain")
    #expect(ReportTable.csvField("a,b") == "\"a,b\"")
    #expect(ReportTable.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
    #expect(ReportTable.csvField("two\nlines") == "\"two\nlines\"")
    let csv = goldenTable().csv()
    #expect(csv.hasSuffix("\r\n"))
    let records = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }
    #expect(records.count == 4)
    #expect(records[0] == "step,tokens,H token-mean (nats),ΔH to next (nats),\"Cov(log π, A)\",dump")
    #expect(records[2] == "2,123456789,12345.678,NaN,inf,\"a, \"\"quoted\"\" name\"")
  }

  @Test func latexEscapesSpecialCharacters() {
    #expect(LaTeX.escaped("50% & $x_1#{}") == "50\\% \\& \\$x\\_1\\#\\{\\}")
    #expect(LaTeX.escaped("a~b^c\\d") == "a\\textasciitilde{}b\\textasciicircum{}c\\textbackslash{}d")
    #expect(LaTeX.escaped("ΔH (nats)") == "$\\Delta$H (nats)")
    #expect(LaTeX.escaped("Φ−") == "$\\Phi-$")
    #expect(LaTeX.escaped("$π") == "\\$$\\pi$")
    let tex = goldenTable().latex()
    for needle in ["\\toprule", "\\midrule", "\\bottomrule", "\\caption{Entropy \\& covariance per step (50\\% of tokens, T = 0.7)}", "\\label{tab:entropy-per-step}", "{NaN}", "{$\\infty$}", "{$-\\infty$}", "% lr = 1e-6"] {
      #expect(tex.contains(needle), "missing \(needle)")
    }
    #expect(!tex.contains("ΔH"), "Unicode must be converted for pdflatex")
  }

  @Test func siunitxFormatFitsEveryNumber() {
    #expect(LaTeX.tableFormat(["0.6723", "1.235e4", "0.000"]) == "1.4e1")
    #expect(LaTeX.tableFormat(["-1.235e-5", "12.50"]) == "-2.3e-1")
    #expect(LaTeX.tableFormat(["1", "4096", "123456789"]) == "9")
  }

  @Test func markdownAlignsNumericColumnsRight() {
    let md = goldenTable().markdown()
    #expect(md.contains("| ---: | ---: | ---: | ---: | ---: | :--- |"))
    #expect(md.contains("| 3 | 0 | 0 | – | -inf |"))
    #expect(md.contains("*DeltaH 0.1.0 (deltah report); temperature = 0.7, lr = 1e-6, kl_cov_ratio = 0.0002, seed = 1; sources: run_a/step_0001.safetensors, run_a/step_0002.safetensors*"))
  }

  @Test func jsonRoundTripsValues() throws {
    let object = try JSONSerialization.jsonObject(with: Data(goldenTable().json().utf8)) as! [String: Any]
    let rows = object["rows"] as! [[Any]]
    #expect((rows[0][2] as! NSNumber).doubleValue == 0.672_345_1)
    #expect(rows[1][3] as? String == "nan")
    #expect(rows[2][3] is NSNull)
    let settings = (object["provenance"] as! [String: Any])["settings"] as! [String: String]
    #expect(settings["temperature"] == "0.7")
  }
}
