// DeltaH — entropy change of softmax policies.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import _TestSupport

/// The repository root (for data/sample).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func samplePath(_ step: Int) -> String { repositoryRoot.appendingPathComponent("data/sample/step_000\(step).safetensors").path }

func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("deltah-report-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

@Suite("deltah report")
struct ReportCommandTests {
  @Test func htmlReportOfTheSampleIsWellFormedAndHasEveryTableAndFigure() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let html = dir.appendingPathComponent("r.html").path
    let out = dir.appendingPathComponent("figs").path
    let r = try runDeltaH(["report", samplePath(1), samplePath(2), samplePath(3), "--compare", samplePath(1), samplePath(2), "--html", html, "--out", out, "--format", "csv"])
    #expect(r.status == 0, "\(r.standardError)")
    let page = try String(contentsOfFile: html, encoding: .utf8)
    let census = try #require(XMLCensus.of(page), "the HTML report parses as XML")
    #expect(!page.contains("<script"))
    #expect(!page.contains("http://") || !page.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http://"), "no network resources")
    let tableIDs = (census.attributes["table"] ?? []).compactMap { $0["id"] }
    #expect(Set(tableIDs) == ["table-entropy-per-step", "table-entropy-distribution", "table-polarity-quadrants", "table-prediction-accuracy", "table-step-kl", "table-trust-radius"])
    let figureIDs = (census.attributes["figure"] ?? []).compactMap { $0["id"] }
    #expect(Set(figureIDs) == ["figure-entropy-histogram", "figure-entropy-trajectory", "figure-covariance-vs-entropy-change", "figure-polarity-by-quadrant", "figure-predicted-vs-actual"])
    #expect(census.counts["svg"] == 5)
    #expect(census.text.contains("Pearson r = "))
    #expect(census.text.contains("temperature = 1"))
    // --out: one CSV per table and one SVG per figure, each parsing.
    let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
    #expect(files.filter { $0.hasSuffix(".csv") }.count == 6)
    #expect(files.filter { $0.hasSuffix(".svg") }.count == 5)
    for f in files where f.hasSuffix(".svg") { #expect(XMLCensus.of(try String(contentsOfFile: "\(out)/\(f)", encoding: .utf8)) != nil, "\(f)") }
    let csv = try String(contentsOfFile: "\(out)/entropy-per-step.csv", encoding: .utf8)
    #expect(csv.contains("# source: \(samplePath(3))"))
    #expect(csv.contains("step,tokens,H token-mean (nats),ΔH to next (nats),polarity-mean ΔH (η) (nats),\"Cov(log π, A)\""))
  }

  @Test func tablesFromJSONOfAnalyzeCompareBanditCurvatureAndCliff() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let runs: [(String, [String])] = [
      ("analyze.json", ["analyze", samplePath(1), samplePath(2), "--json"]),
      ("compare.json", ["compare", samplePath(1), samplePath(2), "--json"]),
      ("bandit.json", ["bandit", "--rewards", "1,0,0", "--steps", "30", "--lr", "0.5", "--json"]),
      ("curvature.json", ["curvature", "--logits", "2,1,0,-1", "--top", "4", "--json"]),
      ("cliff.json", ["cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json"]),
    ]
    var paths: [String] = []
    for (name, args) in runs {
      let r = try runDeltaH(args)
      #expect(r.status == 0, "\(args): \(r.standardError)")
      let p = dir.appendingPathComponent(name).path
      try Data(r.standardOutput.utf8).write(to: URL(fileURLWithPath: p))
      paths.append(p)
    }
    let r = try runDeltaH(["report"] + paths + ["--format", "json"])
    #expect(r.status == 0, "\(r.standardError)")
    let tables = try #require(try JSONSerialization.jsonObject(with: Data(r.standardOutput.utf8)) as? [[String: Any]])
    let labels = tables.compactMap { $0["label"] as? String }
    for l in ["entropy-per-step", "prediction-accuracy", "run-summary", "run-steps", "spectra", "policy-cliff"] { #expect(labels.contains(l), "missing \(l) in \(labels)") }
    let bandit = try #require(tables.first { $0["label"] as? String == "run-summary" })
    let settings = (bandit["provenance"] as? [String: Any])?["settings"] as? [String: String]
    #expect(settings?["lr"] == "0.5")
    #expect(settings?["rule"] == "pg")
    let latex = try runDeltaH(["report", paths[1], "--format", "latex"])
    #expect(latex.standardOutput.contains("\\label{tab:prediction-accuracy}") && latex.standardOutput.contains("\\toprule"))
  }

  @Test func badInputFailsClearlyAndWritesNothing() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let junk = dir.appendingPathComponent("junk.json").path
    try Data("{\"hello\": 1}".utf8).write(to: URL(fileURLWithPath: junk))
    let html = dir.appendingPathComponent("r.html").path
    let out = dir.appendingPathComponent("out").path
    let r = try runDeltaH(["report", samplePath(1), junk, "--html", html, "--out", out])
    #expect(r.status != 0)
    #expect(r.standardError.contains("junk.json") && r.standardError.contains("no 'kind'"))
    #expect(!FileManager.default.fileExists(atPath: html) && !FileManager.default.fileExists(atPath: out))
    let missing = try runDeltaH(["report", dir.appendingPathComponent("nope.safetensors").path, "--html", html])
    #expect(missing.status != 0 && !FileManager.default.fileExists(atPath: html))
    let usage = try runDeltaH(["report", "--compare", samplePath(1)])
    #expect(usage.status != 0 && usage.standardError.contains("--compare takes exactly two dumps"))
  }

  @Test func demoWritesTheHTMLReport() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let html = dir.appendingPathComponent("demo/report.html").path
    let r = try runDeltaH(["demo", "--data", repositoryRoot.appendingPathComponent("data/sample").path, "--report", html])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("wrote \(html)"))
    let census = try #require(XMLCensus.of(try String(contentsOfFile: html, encoding: .utf8)))
    #expect(census.counts["svg"] == 7, "sample figures plus spectra and the policy cliff")
  }
}
