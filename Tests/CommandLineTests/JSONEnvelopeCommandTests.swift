// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// Every `--json` output is one envelope: the result's keys plus `"kind"` and `"deltah_version"`,
/// and `deltah report` reads every kind by that tag.
@Suite("deltah --json envelope end to end")
struct JSONEnvelopeCommandTests {
  static func step(_ i: Int) -> String { TrustworthyAnswersCommandTests.step(i) }

  /// Each producer, the kind it must write, and `report` reading it alone (tables as JSON).
  @Test func everyProducerWritesItsKindAndVersionAndReportReadsIt() throws {
    let d = try TrustworthyAnswersCommandTests.directory()
    defer { try? FileManager.default.removeItem(atPath: d) }
    for i in 0..<2 {
      let a = try runDeltaH(["analyze", Self.step(2), "--shard", "\(i)/2", "--partial", "\(d)/ap\(i).safetensors"])
      let c = try runDeltaH(["compare", Self.step(1), Self.step(2), "--shard", "\(i)/2", "--partial", "\(d)/cp\(i).safetensors"])
      #expect(a.status == 0 && c.status == 0, "\(a.standardError) \(c.standardError)")
    }
    var log = ["step,acc,H"]
    for i in 0..<30 { log.append("\(i),\(0.6 - 0.1 * exp(2.0 - 0.05 * Double(i))),\(2.0 - 0.05 * Double(i))") }
    try Data(log.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: "\(d)/log.csv"))
    let producers: [(kind: String, arguments: [String])] = [
      ("step", ["step", "--logits", "2,1,0,-1", "--token", "1", "--advantage", "1", "--lr", "0.1", "--json"]),
      ("step", ["step", "--logits", "2,1,0,-1", "--rewards", "1,0,0,0", "--rule", "npg", "--lr", "0.1", "--json"]),
      ("analyze", ["analyze", Self.step(2), "--json"]),
      ("analyze-series", ["analyze", Self.step(3), Self.step(1), Self.step(2), "--json"]),
      ("compare", ["compare", Self.step(1), Self.step(2), "--json"]),
      ("analyze", ["merge", "\(d)/ap0.safetensors", "\(d)/ap1.safetensors", "--json"]),
      ("compare", ["merge", "\(d)/cp0.safetensors", "\(d)/cp1.safetensors", "--json"]),
      ("bandit", ["bandit", "--rewards", "1,0,0", "--steps", "10", "--lr", "0.5", "--json"]),
      ("mdp", ["mdp", "--states", "3", "--actions", "2", "--steps", "5", "--json"]),
      ("curvature", ["curvature", "--logits", "2,1,0,-1", "--top", "3", "--json"]),
      ("curvature-dump", ["curvature", Self.step(1), "--positions", "0,7", "--top", "3", "--json"]),
      ("cliff", ["cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json"]),
      ("law", ["law", "\(d)/log.csv", "--entropy", "H", "--performance", "acc", "--bootstrap", "50", "--json"]),
      ("whatif", ["whatif", Self.step(1), "--json"]),
      ("sweep", ["sweep", "--rewards", "1,0,0", "--steps", "5", "--runs", "2", "--interventions", "none", "--rules", "grpo", "--format", "json"]),
    ]
    var files: [String] = []
    for (n, (kind, arguments)) in producers.enumerated() {
      let r = try runDeltaH(arguments)
      #expect(r.status == 0, "\(arguments.joined(separator: " ")): \(r.standardError)")
      let object = try r.jsonObject()
      #expect(object["kind"] as? String == kind, "\(arguments.joined(separator: " ")) wrote kind \(object["kind"] ?? "none")")
      #expect(object["deltah_version"] as? String == "0.1.0")
      let p = "\(d)/\(n)-\(kind).json"
      try Data(r.standardOutput.utf8).write(to: URL(fileURLWithPath: p))
      let alone = try runDeltaH(["report", p, "--format", "json"])
      #expect(alone.status == 0, "report of \(kind): \(alone.standardError)")
      let tables = try JSONSerialization.jsonObject(with: Data(alone.standardOutput.utf8)) as? [[String: Any]]
      #expect((tables?.count ?? 0) > 0, "report of \(kind) made no table")
      files.append(p)
    }
    let all = try runDeltaH(["report"] + files + ["--format", "csv"])
    #expect(all.status == 0, "\(all.standardError)")
  }

  /// The natural-gradient flag travels as a typed key: the training-run table's covariance
  /// column is Cov(log π, A) for NPG and Cov(log π, π⊙A) for PG (no rule name parsed).
  @Test func trainingRunCovarianceFollowsTheNaturalGradientKey() throws {
    let d = try TrustworthyAnswersCommandTests.directory()
    defer { try? FileManager.default.removeItem(atPath: d) }
    for (rule, natural) in [("pg", false), ("npg", true), ("natural-entropy-bonus", true), ("grpo", false)] {
      var arguments = ["bandit", "--rewards", "1,0,0", "--steps", "4", "--lr", "0.5", "--rule", rule, "--json"]
      if rule.contains("entropy") { arguments += ["--entropy-coef", "0.1"] }
      let r = try runDeltaH(arguments)
      #expect(r.status == 0, "\(rule): \(r.standardError)")
      let summary = try #require(try r.jsonObject()["summary"] as? [String: Any])
      #expect(summary["natural_gradient"] as? Bool == natural, "\(rule)")
      let p = "\(d)/\(rule).json"
      try Data(r.standardOutput.utf8).write(to: URL(fileURLWithPath: p))
      let table = try runDeltaH(["report", p]).standardOutput
      #expect(table.contains("Cov(log π, A)") == natural && table.contains("Cov(log π, π⊙A)") == !natural, "\(rule)")
    }
  }

  /// JSON without a kind (an older DeltaH, or not DeltaH) and JSON of an unknown kind fail with one
  /// line naming the file, and nothing is written.
  @Test func jsonWithoutOrWithUnknownKindIsRejected() throws {
    let d = try TrustworthyAnswersCommandTests.directory()
    defer { try? FileManager.default.removeItem(atPath: d) }
    let old = "\(d)/old.json"
    try Data("{\"entropy_source\": \"logits\", \"tokens\": 3}".utf8).write(to: URL(fileURLWithPath: old))
    let r = try runDeltaH(["report", old])
    #expect(r.status != 0)
    #expect(r.standardError.contains("old.json") && r.standardError.contains("no 'kind'") && r.standardError.contains("rerun the command"))
    let odd = "\(d)/odd.json"
    try Data("{\"kind\": \"horoscope\", \"deltah_version\": \"9.9.9\"}".utf8).write(to: URL(fileURLWithPath: odd))
    let u = try runDeltaH(["report", odd, "--html", "\(d)/r.html"])
    #expect(u.status != 0 && u.standardError.contains("odd.json") && u.standardError.contains("unknown kind 'horoscope'"))
    #expect(!FileManager.default.fileExists(atPath: "\(d)/r.html"))
  }
}
