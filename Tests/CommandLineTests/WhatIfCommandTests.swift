// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah whatif end to end")
struct WhatIfCommandTests {
  static let sample = AnalyzeCommandTests.sample

  @Test func noneRowEqualsAnalyzePolarityTotal() throws {
    let a = try runDeltaH(["analyze", "\(Self.sample)/step_0001.safetensors", "--json"])
    let w = try runDeltaH(["whatif", "\(Self.sample)/step_0001.safetensors", "--json"])
    #expect(a.status == 0 && w.status == 0, "\(w.standardError)")
    let total = try #require((a.jsonObject()["polarity"] as? [String: Any])?["total"] as? Double)
    let rows = try #require(w.jsonObject()["interventions"] as? [[String: Any]])
    let none = try #require(rows.first { $0["name"] as? String == "none" })
    // Both outputs print full-precision doubles of the same sum.
    #expect(abs((none["delta_first_order"] as? Double ?? .nan) - total) <= 1e-12)
    for row in rows {
      for key in ["name", "delta_first_order", "tokens_touched", "weight_removed", "raising", "lowering"] {
        #expect(row[key] != nil, "missing \(key)")
      }
    }
    let names = Set(rows.compactMap { $0["name"] as? String })
    for name in ["clip-cov", "kl-cov", "steer", "opefo", "forking", "forking-bottom", "expanding-only", "contracting-only", "cispo", "bapo", "hapo", "d3s", "lp-reg", "siren", "empg", "cov-kernel"] {
      #expect(names.contains(name), "missing row \(name)")
    }
  }

  @Test func twoDumpsAddTheActualChangeAndReportReadsIt() throws {
    let w = try runDeltaH(["whatif", "\(Self.sample)/step_0001.safetensors", "\(Self.sample)/step_0002.safetensors", "--json"])
    #expect(w.status == 0, "\(w.standardError)")
    let actual = try #require(w.jsonObject()["actual"] as? [String: Any])
    #expect(actual["tokens"] as? Int == 160)
    let c = try runDeltaH(["compare", "\(Self.sample)/step_0001.safetensors", "\(Self.sample)/step_0002.safetensors", "--json"])
    let mean = try #require(c.jsonObject()["mean_delta_actual"] as? Double)
    #expect(abs((actual["mean"] as? Double ?? .nan) - mean) < 1e-12)
    let json = NSTemporaryDirectory() + "deltah-whatif-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: json) }
    try Data(w.standardOutput.utf8).write(to: URL(fileURLWithPath: json))
    let r = try runDeltaH(["report", json, "--format", "csv"])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("forking-bottom"))
    #expect(r.standardOutput.contains("whatif") || r.standardOutput.contains("intervention"))
  }

  @Test func badArgumentsFail() throws {
    let r = try runDeltaH(["whatif", "\(Self.sample)/step_0001.safetensors", "--clip-low", "0.2", "--clip-high", "0.2", "--dual-clip", "0.5"])
    #expect(r.status != 0)
    #expect(r.standardError.contains("--dual-clip"))
  }
}

@Suite("deltah sweep end to end")
struct SweepCommandTests {
  @Test func csvTableAndCurves() throws {
    let dir = NSTemporaryDirectory() + "deltah-sweep-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try runDeltaH([
      "sweep", "--rewards", "1,0.5,0,0", "--runs", "2", "--steps", "10", "--interventions", "none,cispo",
      "--rules", "grpo", "--format", "csv", "--curves", dir,
    ])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("grpo,none,2,"))
    #expect(r.standardOutput.contains("grpo,cispo,2,"))
    #expect(FileManager.default.fileExists(atPath: dir + "/sweep-entropy.svg"))
    let bad = try runDeltaH(["sweep", "--rewards", "1,0", "--interventions", "nope"])
    #expect(bad.status != 0 && bad.standardError.contains("nope"))
  }
}
