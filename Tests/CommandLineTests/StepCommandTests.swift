// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah step and demo, end to end")
struct StepCommandTests {
  func number(_ object: [String: Any], _ key: String) throws -> Double {
    try #require(object[key] as? Double, "missing numeric key \(key)")
  }

  @Test func policyGradientJSON() throws {
    let r = try runDeltaH(["step", "--logits", "2,1,0,-1", "--rewards", "1,0,0,0", "--rule", "pg", "--lr", "0.1", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    for key in ["entropy", "entropy_after", "delta_actual", "delta_first_order", "delta_second_order"] {
      #expect(o[key] is Double, "key \(key)")
    }
    // docs/theory.md#checkable-pg-npg, PG η = 0.1 (10 printed digits ⇒ 1e-9).
    #expect(abs(try number(o, "delta_actual") - -0.0102680128) < 1e-9)
    #expect(abs(try number(o, "delta_first_order") - -0.0101655181) < 1e-9)
    #expect(abs(try number(o, "delta_second_order") - -0.0102700121) < 1e-9)
    #expect(abs(try number(o, "entropy") - 0.9475369639754256) < 1e-15)
    let (after, before, actual) = (try number(o, "entropy_after"), try number(o, "entropy"), try number(o, "delta_actual"))
    #expect(abs(after - before - actual) < 1e-15)
    #expect(o["sampled_term"] == nil && o["polarity"] == nil)
  }

  @Test func naturalGradientAndDelta() throws {
    let npg = try runDeltaH(["step", "--logits", "2,1,0,-1", "--rewards", "1,0,0,0", "--rule", "npg", "--lr", "1", "--json"]).jsonObject()
    #expect(abs(try number(npg, "delta_actual") - -0.3524502778) < 1e-9)
    #expect(abs(try number(npg, "delta_second_order") - -0.3943174001) < 1e-9)
    // A --delta whose first entry is negative; T = 2 halves the effective step of the policy's logits.
    let d = try runDeltaH(["step", "--logits", "1,0", "--delta", "-0.5,0.5", "--temperature", "2", "--json"])
    #expect(d.status == 0, "\(d.standardError)")
    let o = try d.jsonObject()
    // Two actions, x = z/T = [0.5, 0]: H(σ) with σ(0.5) before and σ(0) = ½ after (x' = [0.25, 0.25]).
    let a = 1 / (1 + exp(-0.5))
    let before = -a * log(a) - (1 - a) * log(1 - a)
    #expect(abs(try number(o, "entropy") - before) < 1e-15)
    #expect(abs(try number(o, "entropy_after") - log(2)) < 1e-15)
    // First order: ∇H·Δx with Δx = [−0.25, 0.25]; for K = 2, ∂H/∂x₀ = −a(1−a)·(x₀ − x₁).
    let grad0 = -a * (1 - a) * 0.5
    #expect(abs(try number(o, "delta_first_order") - (grad0 * -0.25 - grad0 * 0.25)) < 1e-15)
  }

  @Test func tokenPolarity() throws {
    let r = try runDeltaH(["step", "--logits", "2,1,0,-1", "--token", "1", "--advantage", "1", "--lr", "0.1", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    // docs/theory.md#quadrants, k = 1: predicted +0.0285518429, actual +0.0270855997.
    #expect(abs(try number(o, "polarity") - 0.0285518429) < 1e-9)
    #expect(abs(try number(o, "delta_actual") - 0.0270855997) < 1e-9)
    #expect(abs(try number(o, "sampled_term") + number(o, "correction_term") - number(o, "polarity")) < 1e-15)
    #expect(abs(try number(o, "polarity") - number(o, "delta_first_order")) < 1e-15)
  }

  @Test func readableTable() throws {
    let r = try runDeltaH(["step", "--logits", "2,1,0,-1", "--token", "0", "--advantage", "1", "--lr", "0.1"])
    #expect(r.status == 0)
    #expect(r.standardOutput.contains("polarity") && r.standardOutput.contains("(contracts)"))
  }

  @Test(arguments: [
    (["step", "--logits", "2,nan,0", "--delta", "1,0,0"], "'2,nan,0' is invalid for '--logits <logits>': element 1 is nan"),
    (["step", "--logits", "2,inf,0", "--delta", "1,0,0"], "'2,inf,0' is invalid for '--logits <logits>': element 1 is inf"),
    (["step", "--logits", "2,1e400,0", "--delta", "1,0,0"], "'2,1e400,0' is invalid for '--logits <logits>': element 1 is inf"),
    (["step", "--logits", "1,2", "--delta", "1,0,0"], "logit step has 3 elements"),
    (["step", "--logits", "1,2", "--rewards", "1,0", "--rule", "pg"], "--rewards needs --rule pg|npg and --lr"),
    (["step", "--logits", "1,2", "--token", "5", "--advantage", "1", "--lr", "1"], "action 5 is out of range"),
    (["step", "--logits", "1,2", "--delta", "1,0", "--temperature", "0"], "'0' is invalid for '--temperature <temperature>'"),
    (["step", "--logits", "1,x", "--delta", "1,0"], "logits"),
  ])
  func badInputFailsClearly(arguments: [String], message: String) throws {
    let r = try runDeltaH(arguments)
    #expect(r.status != 0)
    #expect(r.standardError.contains(message), "stderr: \(r.standardError)")
    #expect(r.standardOutput.isEmpty)
  }

  /// The report goes to a temporary folder: the default, out/demo/report.html, would be written
  /// into the working directory (the repository, under `swift test`).
  @Test func demoRuns() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try runDeltaH(["demo", "--report", dir.appendingPathComponent("report.html").path])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("0.947536964"))  // H of z = [2, 1, 0, −1]
  }
}
