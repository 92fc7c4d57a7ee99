// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// End-to-end regression tests of issue "Trustworthy answers" (argument misuse and silently
/// wrong answers), through the `deltah` executable.
@Suite("deltah trustworthy answers end to end")
struct TrustworthyAnswersCommandTests {
  static var sample: String { AnalyzeCommandTests.sample }
  static func step(_ i: Int) -> String { "\(sample)/step_000\(i).safetensors" }

  static func directory() throws -> String {
    let d = NSTemporaryDirectory() + "deltah-trust-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }

  /// The run failed cleanly: exit 64 or 1 (not a signal: those exit 128+n or are reported as
  /// the signal number), one line on stderr starting "Error:" that contains `fragment`.
  func expectCleanFailure(_ args: [String], naming fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try runDeltaH(args)
    #expect(r.status == 64 || r.status == 1, "\(args): status \(r.status)", sourceLocation: sourceLocation)
    let lines = r.standardError.split(separator: "\n")
    #expect(lines.count == 1 && lines[0].hasPrefix("Error:") && lines[0].contains(fragment), "\(args): \(r.standardError)", sourceLocation: sourceLocation)
    #expect(!r.standardOutput.lowercased().contains("nan"), sourceLocation: sourceLocation)
  }

  /// Before: SIGILL (integer traps) or allocation aborts.
  @Test func absurdNumericArgumentsFailWithOneLine() throws {
    try expectCleanFailure(["curvature", Self.step(1), "--positions", "1e300"], naming: "--positions")
    try expectCleanFailure(["analyze", Self.step(1), "--shard", "4611686018427387904/9223372036854775807", "--partial", "/tmp/never-written"], naming: "--shard")
    try expectCleanFailure(["bandit", "--arms", "100000000000", "--seed", "1"], naming: "--arms")
    try expectCleanFailure(["bandit", "--rewards", "1,0", "--steps", "9223372036854775807"], naming: "--steps")
    try expectCleanFailure(["bandit", "--arms", "4096", "--states", "4096", "--seed", "1"], naming: "logits")
    try expectCleanFailure(["mdp", "--states", "100000"], naming: "--states")
    try expectCleanFailure(["analyze", Self.step(1), "--shard", "99999999999999999999/3", "--partial", "/tmp/never-written"], naming: "--shard")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
  }

  /// Before: "Missing value for '--temperature'" (the parser took -1 for a flag) and, for
  /// 1e-310, NaN with exit 0.
  @Test func temperatureMessages() throws {
    for command in [["analyze", Self.step(1)], ["compare", Self.step(1), Self.step(2)], ["step", "--logits", "2,1", "--delta", "0,0"], ["curvature", "--logits", "2,1"]] {
      let r = try runDeltaH(command + ["--temperature", "-1"])
      // Every command refuses it while parsing, naming the flag.
      let named = r.standardError.contains("'-1' is invalid for '--temperature <temperature>': must be a finite number > 0")
      #expect(r.status == 64 && !r.standardError.contains("Missing value") && named, "\(command): \(r.standardError)")
      try expectCleanFailure(command + ["--temperature", "1e-310"], naming: "1/T overflows")
    }
  }

  /// Before: NaN printed with exit 0.
  @Test func hugeLogitsNeverPrintNaN() throws {
    try expectCleanFailure(["step", "--logits", "1e308,-1e308", "--delta", "0,0", "--json"], naming: "Double's range")
    try expectCleanFailure(["curvature", "--logits", "1e308,-1e308", "--top", "2", "--json"], naming: "Double's range")
  }

  /// Before: `cliff --alpha 1e-310` printed the TV Lipschitz bound, the Jacobian norm and the ℓ2
  /// bound as inf (JSON "inf") with exit 0: ½/α is beyond Double's range there.
  @Test func aCliffBoundBeyondDoublesRangeIsRefused() throws {
    for args in [["--rewards", "1,1", "--alpha", "1e-310"], ["--rewards", "1,0", "--alpha", "1e-310", "--json"],
                 ["--rewards", "1,1,0", "--alpha", "1e-295", "--gamma", "0.9999999999999999"]] {
      try expectCleanFailure(["cliff"] + args, naming: "is too small for gamma")
      #expect(try !runDeltaH(["cliff"] + args).standardOutput.contains("inf"))
    }
  }

  @Test func learningRateSourceAndTensorsReadInJSONAndTable() throws {
    let metadata = try runDeltaH(["analyze", Self.step(1), "--json"]).jsonObject()
    #expect(metadata["learning_rate_source"] as? String == "metadata")
    #expect(metadata["ignored_tensors"] as? [String] == [])
    let read = try #require(metadata["tensors_read"] as? [[String: Any]])
    #expect(read.contains { $0["field"] as? String == "logits" && $0["type"] as? String == "BF16" })
    let flag = try runDeltaH(["analyze", Self.step(1), "--json", "--lr", "0.1"]).jsonObject()
    #expect(flag["learning_rate_source"] as? String == "flag" && flag["learning_rate"] as? Double == 0.1)
    let table = try runDeltaH(["analyze", Self.step(1)]).standardOutput
    #expect(table.contains("η (polarity step, logit space)") && table.contains("0.5 (metadata)"))
    #expect(table.contains("read: logits ← logits [8,24,2048] BF16"))
  }

  /// Before: merged polarity used η = 1 instead of the dump's lr, and step was lost.
  @Test func mergeEqualsTheUnshardedRunKeyForKey() throws {
    let d = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: d) }
    let whole = try runDeltaH(["analyze", Self.step(2), "--json"])
    var parts: [String] = []
    for i in 0..<3 {
      let p = "\(d)/p\(i).safetensors"
      #expect(try runDeltaH(["analyze", Self.step(2), "--shard", "\(i)/3", "--partial", p]).status == 0)
      parts.append(p)
    }
    let merged = try runDeltaH(["merge"] + parts.reversed() + ["--json"])
    #expect(merged.status == 0, "\(merged.standardError)")
    #expect(merged.standardOutput == whole.standardOutput)
    let o = try merged.jsonObject()
    #expect(o["step"] as? Int == 2 && o["learning_rate"] as? Double == 0.5)
    // A partial of another dump is refused.
    let other = "\(d)/other.safetensors"
    #expect(try runDeltaH(["analyze", Self.step(1), "--shard", "1/3", "--partial", other]).status == 0)
    try expectCleanFailure(["merge", parts[0], other, parts[2]], naming: "source dump identity")
    // --temperature is not offered; --shard with --json is refused.
    #expect(try runDeltaH(["merge", parts[0], "--temperature", "2"]).status == 64)
    try expectCleanFailure(["analyze", Self.step(2), "--shard", "0/3", "--partial", "\(d)/x.safetensors", "--json"], naming: "merge")
    try expectCleanFailure(["merge", parts[0], "--per-token", "\(d)/pt.safetensors"], naming: "every shard")
  }

  @Test func compareShardsMergeExactly() throws {
    let d = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: d) }
    let whole = try runDeltaH(["compare", Self.step(1), Self.step(3), "--json"])
    var parts: [String] = []
    for i in 0..<2 {
      let p = "\(d)/c\(i).safetensors"
      let r = try runDeltaH(["compare", Self.step(1), Self.step(3), "--shard", "\(i)/2", "--partial", p])
      #expect(r.status == 0, "\(r.standardError)")
      parts.append(p)
    }
    let merged = try runDeltaH(["merge"] + parts + ["--json"])
    #expect(merged.status == 0 && merged.standardOutput == whole.standardOutput, "\(merged.standardError)")
  }

  /// Before: report printed "JSON of no known kind" for curvature DUMP and step, and dropped
  /// every warning.
  @Test func everyJSONProducerFeedsReportAndWarningsReachEveryFormat() throws {
    let d = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: d) }
    for i in 0..<2 {
      _ = try runDeltaH(["analyze", Self.step(2), "--shard", "\(i)/2", "--partial", "\(d)/ap\(i).safetensors"])
      _ = try runDeltaH(["compare", Self.step(1), Self.step(2), "--shard", "\(i)/2", "--partial", "\(d)/cp\(i).safetensors"])
    }
    let producers: [(String, [String])] = [
      ("step", ["step", "--logits", "2,1,0,-1", "--token", "1", "--advantage", "1", "--lr", "0.1", "--json"]),
      ("analyze", ["analyze", Self.step(2), "--json"]),
      ("series", ["analyze", Self.step(3), Self.step(1), Self.step(2), "--json"]),
      ("compare", ["compare", Self.step(1), Self.step(2), "--json"]),
      ("merge", ["merge", "\(d)/ap0.safetensors", "\(d)/ap1.safetensors", "--json"]),
      ("merge-compare", ["merge", "\(d)/cp0.safetensors", "\(d)/cp1.safetensors", "--json"]),
      ("curvature", ["curvature", "--logits", "2,1,0,-1", "--top", "3", "--json"]),
      ("curvature-dump", ["curvature", Self.step(1), "--positions", "0,7", "--top", "3", "--json"]),
      ("cliff", ["cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json"]),
      ("bandit", ["bandit", "--rewards", "1,0,0", "--steps", "10", "--lr", "0.5", "--json"]),
      ("mdp", ["mdp", "--states", "3", "--actions", "2", "--steps", "5", "--json"]),
    ]
    var files: [String] = []
    for (name, args) in producers {
      let r = try runDeltaH(args)
      #expect(r.status == 0, "\(name): \(r.standardError)")
      let p = "\(d)/\(name).json"
      try Data(r.standardOutput.utf8).write(to: URL(fileURLWithPath: p))
      let alone = try runDeltaH(["report", p, "--format", "json"])
      #expect(alone.status == 0, "report of \(name): \(alone.standardError)")
      files.append(p)
    }
    // The series JSON is ordered by step and carries its series warnings key.
    let series = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(d)/series.json"))) as? [String: Any]
    #expect(((series?["steps"] as? [[String: Any]]) ?? []).compactMap { $0["step"] as? Int } == [1, 2, 3])
    #expect(series?["warnings"] is [Any])
    // step 2 of the sample logs old_logprobs above 0: a warning in every output.
    let html = "\(d)/r.html"
    let r = try runDeltaH(["report"] + files + ["--html", html])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardError.contains("warning: ") && r.standardError.contains("impossible logged values"))
    let page = try String(contentsOfFile: html, encoding: .utf8)
    let box = try #require(page.range(of: "<div class=\"warnings\""))
    #expect(box.lowerBound < (page.range(of: "<section>")?.lowerBound ?? page.startIndex))
    #expect(page.contains("impossible logged values"))
    let markdown = try runDeltaH(["report", "\(d)/analyze.json"]).standardOutput
    #expect(markdown.contains("> **Warning") && markdown.contains("impossible logged values"))
    let latex = try runDeltaH(["report", "\(d)/analyze.json", "--format", "latex"]).standardOutput
    #expect(latex.contains("\\textbf{Warning:}"))
    let json = try runDeltaH(["report", "\(d)/analyze.json", "--format", "json"]).standardOutput
    let tables = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    #expect(tables.allSatisfy { ($0["warnings"] as? [String])?.contains { $0.contains("impossible logged values") } == true })
  }
}
