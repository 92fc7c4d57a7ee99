// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah law and the trust-radius keys, end to end")
final class LawAndTrustCommandTests {
  /// One folder per test instance, removed when the test ends.
  let scratch = ScratchFolder("law-tests")

  func temporaryFile(_ name: String, _ text: String) throws -> String { try scratch.file(name, text) }

  @Test func lawOnACSVLog() throws {
    // R = 0.6 − 0.1·e^H exactly, with a column order and names of the user's choosing.
    var lines = ["step,acc,H"]
    for i in 0..<30 {
      let h = 2.0 - 0.05 * Double(i)
      lines.append("\(i),\(0.6 - 0.1 * exp(h)),\(h)")
    }
    let path = try temporaryFile("log.csv", lines.joined(separator: "\n"))
    let r = try runDeltaH(["law", path, "--entropy", "H", "--performance", "acc", "--fit-fraction", "0.5", "--bootstrap", "200", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    #expect(abs((o["a"] as! Double) - 0.1) < 1e-12)
    #expect(abs((o["ceiling"] as! Double) - 0.5) < 1e-12)
    #expect((o["holdout_rmse"] as! Double) < 1e-12)
    #expect(o["fit_count"] as? Int == 15)
    #expect(o["entropy_column"] as? String == "H" && o["performance_column"] as? String == "acc")
    let interval = try #require(o["ceiling_interval"] as? [String: Any])
    #expect(interval["lower"] is Double && interval["upper"] is Double)
    let options = try #require(o["options"] as? [String: Any])
    #expect(options["bootstrap_resamples"] as? Int == 200 && options["seed"] as? Int == 0)
    // The table names the columns and where they came from.
    let t = try runDeltaH(["law", path, "--entropy", "H", "--performance", "acc", "--bootstrap", "100"])
    #expect(t.standardOutput.contains("H (--entropy)") && t.standardOutput.contains("step (default)"))
  }

  @Test func lawErrorsAreOneLineAndNonZero() throws {
    let missing = try temporaryFile("missing.csv", "step,entropy,acc\n0,1,0.1\n1,0.9,0.2\n2,0.8,0.3\n")
    let r = try runDeltaH(["law", missing])
    #expect(r.status != 0)
    #expect(r.standardError.contains("\(missing): no column 'reward' (columns: step, entropy, acc)"))
    let bad = try temporaryFile("bad.csv", "entropy,reward\n1,0.1\n0.9,oops\n0.8,0.3\n")
    let b = try runDeltaH(["law", bad])
    #expect(b.status != 0 && b.standardError.contains("\(bad):3: column 'reward': 'oops' is not a number"))
    let short = try temporaryFile("short.csv", "entropy,reward\n1,0.1\n0.9,0.2\n")
    let s = try runDeltaH(["law", short])
    #expect(s.status != 0 && s.standardError.contains("2 points; the law needs at least 3"))
    let inf = try temporaryFile("inf.csv", "entropy,reward\n1,0.1\ninf,0.2\n0.8,0.3\n")
    let i = try runDeltaH(["law", inf])
    #expect(i.status != 0 && i.standardError.contains(":3: column 'entropy': inf is not finite"))
    #expect(!(r.standardOutput + b.standardOutput + s.standardOutput + i.standardOutput).lowercased().contains("nan"))
  }

  @Test func lawReadsABanditRunAndReportDrawsIt() throws {
    let run = try runDeltaH(["bandit", "--arms", "6", "--states", "5", "--seed", "3", "--rule", "pg", "--lr", "2", "--steps", "80", "--json"])
    #expect(run.status == 0)
    let runPath = try temporaryFile("run.json", run.standardOutput)
    // Every step record carries its trust scale.
    let steps = try #require(try run.jsonObject()["steps"] as? [[String: Any]])
    #expect(steps.allSatisfy { $0["trust_scale"] is Double && $0["trust_tolerance"] as? Double == 0.1 })
    let law = try runDeltaH(["law", runPath, "--fit-fraction", "0.25", "--bootstrap", "100", "--json"])
    #expect(law.status == 0, "\(law.standardError)")
    let o = try law.jsonObject()
    #expect(o["count"] as? Int == 81 && o["fit_count"] as? Int == 20 && o["format"] as? String == "tabular-run")
    let lawPath = try temporaryFile("law.json", law.standardOutput)
    let report = try runDeltaH(["report", lawPath, "--format", "csv"])
    #expect(report.status == 0, "\(report.standardError)")
    #expect(report.standardOutput.contains("ceiling"))
  }

  @Test func stepTrustKeys() throws {
    let r = try runDeltaH(["step", "--logits", "2,1,0,-1", "--rewards", "1,0,0,0", "--rule", "pg", "--lr", "1", "--json"])
    let o = try r.jsonObject()
    // theory spec §4.6, PG η = 1: first −0.1016551809, second −0.1121045839 (10 digits ⇒ 1e-8).
    let s = try #require(o["trust_scale"] as? Double)
    #expect(abs(s - 0.1 * 0.1016551809 / 0.010449403) < 1e-7)
    #expect(abs((o["trust_radius_lr"] as! Double) - s) < 1e-15)  // η = 1
    // At η·s* the second-order term is ε of the first.
    let at = try runDeltaH(["step", "--logits", "2,1,0,-1", "--rewards", "1,0,0,0", "--rule", "pg", "--lr", "\(s)", "--json", "--trust-tolerance", "0.2"]).jsonObject()
    let first = at["delta_first_order"] as! Double, second = at["delta_second_order"] as! Double
    #expect(abs((second - first) / first - 0.1) < 1e-9)
    #expect(abs((at["trust_scale"] as! Double) - 2) < 1e-9)  // ε = 0.2 doubles it
    // A zero step: no curvature, s* = ∞, written "inf"; --delta has no learning rate.
    let zero = try runDeltaH(["step", "--logits", "2,1,0,-1", "--delta", "0,0,0,0", "--json"]).jsonObject()
    #expect(zero["trust_scale"] as? String == "inf" && zero["trust_radius_lr"] == nil)
    let bad = try runDeltaH(["step", "--logits", "2,1", "--delta", "1,0", "--trust-tolerance", "0"])
    #expect(bad.status != 0)
  }
}

@Suite("deltah law on dumps with a rewards log")
struct LawOnDumpsTests {
  @Test func sampleDumpsMatchedByStep() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deltah-law-dumps-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let rewards = dir.appendingPathComponent("rewards.csv").path
    try Data("step,acc\n1,0.30\n2,0.35\n3,0.38\n4,0.40\n".utf8).write(to: URL(fileURLWithPath: rewards))
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dumps = (1...3).map { root.appendingPathComponent("data/sample/step_000\($0).safetensors").path }
    let r = try runDeltaH(["law"] + dumps + ["--rewards", rewards, "--performance", "acc", "--bootstrap", "100", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    let points = try #require(o["points"] as? [[String: Any]])
    #expect(points.map { $0["step"] as? Double } == [1, 2, 3])
    #expect(points.map { $0["performance"] as? Double } == [0.30, 0.35, 0.38])
    // The entropy is analyze's token mean of each dump.
    let analyzed = try runDeltaH(["analyze", dumps[1], "--json"]).jsonObject()
    #expect(points[1]["entropy"] as? Double == analyzed["entropy_token_mean"] as? Double)
    // Three fitted steps: the unreliable-interval warning reaches stderr and the JSON.
    #expect(r.standardError.contains("only 3 steps are fitted"))
    #expect((o["warnings"] as? [String])?.contains { $0.contains("only 3 steps") } == true)
    // compare --json carries the trust-radius keys (null where undefined) and report tabulates them.
    let compare = try runDeltaH(["compare", dumps[0], dumps[1], "--json", "--trust-tolerance", "0.1"])
    let c = try compare.jsonObject()
    let share = try #require(c["outside_trust_radius_share"] as? Double)
    #expect(share > 0 && share < 1 && c["pearson_first_order_inside_trust_radius"] is Double)
    let comparePath = dir.appendingPathComponent("compare.json").path
    try Data(compare.standardOutput.utf8).write(to: URL(fileURLWithPath: comparePath))
    let report = try runDeltaH(["report", comparePath, "--format", "csv"])
    #expect(report.status == 0 && report.standardOutput.contains("share outside the radius"))
    let missing = try runDeltaH(["law", dumps[0], "--rewards", rewards, "--performance", "acc", "--step", "iteration"])
    #expect(missing.status != 0 && missing.standardError.contains("no step column 'iteration'"))
  }
}
