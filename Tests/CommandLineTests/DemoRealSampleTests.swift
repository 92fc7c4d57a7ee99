// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah demo: the real-network sample (data/trl-tiny)")
struct DemoRealSampleTests {
  func temporaryReport(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("deltah-\(name)-\(UInt64.random(in: 0...UInt64.max)).html").path
  }

  /// Each step's row shows the Pearson that `deltah compare --json` reports on the same pair.
  @Test func demoShowsEachRealStepAsCompareDoes() throws {
    let report = temporaryReport("demo-real")
    defer { try? FileManager.default.removeItem(atPath: report) }
    let r = try runDeltaH(["demo", "--report", report])
    #expect(r.status == 0, "\(r.standardError)")
    let section = try #require(r.standardOutput.components(separatedBy: "A real network: 3 GRPO steps").last)
    #expect(r.standardOutput.contains("A real network: 3 GRPO steps"))
    for step in 1...3 {
      let c = try runDeltaH([
        "compare", "data/trl-tiny/step_00000\(step).before.safetensors", "data/trl-tiny/step_00000\(step).after.safetensors", "--json",
      ])
      #expect(c.status == 0, "\(c.standardError)")
      let pearson = try #require(try c.jsonObject()["pearson_first_order"] as? Double)
      let row = section.split(separator: "\n").first { $0.hasPrefix("\(step) ") }
      #expect(row?.contains(String(format: "%.4g", pearson)) == true, "row \(String(describing: row)), pearson \(pearson)")
    }
  }

  @Test func missingRealSampleIsReportedNotHidden() throws {
    let report = temporaryReport("demo-missing")
    defer { try? FileManager.default.removeItem(atPath: report) }
    let r = try runDeltaH(["demo", "--real-data", "/nonexistent-trl-tiny", "--report", report])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("real-network sample not found in /nonexistent-trl-tiny"))
  }
}
