// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// Red team of `deltah report`: every table of every kind of input records what produced it,
/// ending with the section of docs/theory.md that derives it (README, "Reports").
@Suite("deltah report: provenance of every table")
struct ReportProvenanceTests {
  let scratch = ScratchFolder("report-provenance")
  static func step(_ i: Int) -> String { "\(AnalyzeCommandTests.sample)/step_000\(i).safetensors" }

  /// Before: the step, trust-radius, linearised, what-if, law and sweep tables cited
  /// "docs/theory.md" without a section (the sweep table nothing at all), and the step table
  /// recorded neither the step Δz nor the trust tolerance, and left out the trust radius.
  @Test func everyTableCitesASectionAndTheStepTableItsStep() throws {
    let (a, b, j) = try LinearizedCommandTests.writeDumps()
    defer { for p in [a, b, j] { try? FileManager.default.removeItem(atPath: p) } }
    let log = try scratch.file("log.csv", "step,entropy,reward\n0,2.0,0.1\n1,1.5,0.3\n2,1.0,0.5\n3,0.7,0.6\n4,0.5,0.65\n")
    let producers: [[String]] = [
      ["step", "--logits", "2,1,0,-1", "--token", "1", "--advantage", "1", "--lr", "0.1", "--json"],
      ["whatif", Self.step(1), "--json"], ["law", log, "--json"], ["compare", a, b, "--linearized", j, "--json"],
      ["sweep", "--rewards", "1,0,0", "--steps", "5", "--runs", "2", "--format", "json"],
      ["bandit", "--rewards", "1,0,0", "--steps", "5", "--lr", "0.5", "--json"], ["cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json"],
      ["curvature", "--logits", "2,1,0", "--top", "2", "--json"],
    ]
    var files: [String] = []
    for (i, args) in producers.enumerated() {
      let r = try runDeltaH(args)
      #expect(r.status == 0, "\(args): \(r.standardError)")
      files.append(try scratch.file("\(i).json", r.standardOutput))
    }
    let r = try runDeltaH(["report", Self.step(1)] + files + ["--compare", Self.step(1), Self.step(2), "--format", "json"])
    #expect(r.status == 0, "\(r.standardError)")
    let tables = try #require(try JSONSerialization.jsonObject(with: Data(r.standardOutput.utf8)) as? [[String: Any]])
    let anchors = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/theory.md"), encoding: .utf8)
    var labels = Set<String>()
    for t in tables {
      let label = t["label"] as? String ?? "?"
      labels.insert(label)
      let provenance = try #require(t["provenance"] as? [String: Any])
      let theory = (provenance["settings"] as? [String: String])?["theory"] ?? ""
      #expect(theory.hasPrefix("docs/theory.md#"), "\(label): theory = \(theory)")
      #expect(anchors.contains("<a id=\"\(theory.dropFirst("docs/theory.md#".count))\"></a>"), "\(label): \(theory)")
      #expect(!((provenance["sources"] as? [String]) ?? []).isEmpty, "\(label) has no source")
    }
    #expect(labels.isSuperset(of: ["logit-step", "whatif", "entropy-performance-law", "linearized-predictions", "trust-radius", "sweep", "run-steps"]))
    let step = try #require(tables.first { $0["label"] as? String == "logit-step" })
    let settings = (step["provenance"] as? [String: Any])?["settings"] as? [String: String] ?? [:]
    #expect(settings["logit_step"]?.split(separator: ",").count == 4 && settings["trust_tolerance"] == "0.1" && settings["quadrant"] != nil)
    let rows = (step["rows"] as? [[Any]] ?? []).compactMap { $0.first as? String }
    #expect(rows.contains("trust scale s* of the step") && rows.contains("trust radius |η|·s*"))
  }
}
