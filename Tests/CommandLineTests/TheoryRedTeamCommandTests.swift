// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// Defects of the theory commands found by the theory red team, end to end.
@Suite("deltah step, curvature and cliff at the edges")
struct TheoryRedTeamCommandTests {
  /// `step --lr 0` printed trust_radius_lr "nan" with exit 0 (η·s* = 0·∞).
  @Test func stepAtZeroLearningRateHasAFiniteRadius() throws {
    for rule in [["--rewards", "1,0,0,0", "--rule", "pg"], ["--token", "1", "--advantage", "1"]] {
      let r = try runDeltaH(["step", "--logits", "2,1,0,-1", "--lr", "0", "--json"] + rule)
      #expect(r.status == 0, "\(r.standardError)")
      #expect(!r.standardOutput.lowercased().contains("nan"), "\(r.standardOutput)")
      let radius = try #require(try r.jsonObject()["trust_radius_lr"] as? Double)
      #expect(radius.isFinite && radius > 0)
      let table = try runDeltaH(["step", "--logits", "2,1,0,-1", "--lr", "0"] + rule)
      #expect(table.status == 0 && !table.standardOutput.lowercased().contains("nan"), "\(table.standardOutput)")
    }
  }

  /// `curvature` of a uniform policy over K > 512 actions (the Lanczos path) failed with
  /// "Lanczos did not converge in 300 steps".
  @Test func curvatureOfAUniformPolicyAboveTheDenseLimit() throws {
    let logits = [String](repeating: "0", count: 600).joined(separator: ",")
    let r = try runDeltaH(["curvature", "--logits", logits, "--top", "3", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    #expect(o["method"] as? String == "lanczos")
    let f = try #require(o["fisher_eigenvalues"] as? [Double])
    // F = (I − 11ᵀ/K)/K: eigenvalue 1/K, multiplicity K − 1 (1e-15: exact up to rounding of 1/600).
    #expect(f.count == 3 && f.allSatisfy { abs($0 - 1.0 / 600) < 1e-15 }, "\(f)")
  }

  /// `cliff --rewards 1e308,-1e308 --alpha 1e10` printed margin "inf" (as if all tied) and
  /// price_of_smoothing "nan" with exit 0.
  @Test func cliffRefusesValuesBeyondDoubleRange() throws {
    let r = try runDeltaH(["cliff", "--rewards", "1e308,-1e308", "--alpha", "1e10", "--json"])
    #expect(r.status != 0)
    #expect(!r.standardOutput.lowercased().contains("nan"))
    #expect(r.standardError.contains("Double's range"), "\(r.standardError)")
  }

  /// `deltah report` of a valid one-action `cliff --json` failed with "the perturbation curve
  /// needs at least two actions"; it now tabulates the cliff's quantities with a warning.
  @Test func reportOfAOneActionCliff() throws {
    let cliff = try runDeltaH(["cliff", "--rewards", "5", "--alpha", "0.1", "--json"])
    #expect(cliff.status == 0, "\(cliff.standardError)")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("deltah-cliff1-\(UUID().uuidString).json").path
    try cliff.standardOutput.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    for format in ["markdown", "json"] {
      let r = try runDeltaH(["report", path, "--format", format])
      #expect(r.status == 0, "\(r.standardError)")
      #expect(r.standardOutput.contains("one action") && r.standardError.contains("one action"), "\(r.standardOutput)")
    }
    let md = try runDeltaH(["report", path, "--format", "markdown"]).standardOutput
    #expect(md.contains("| ties | 1 |") && md.contains("| margin | inf |"), "\(md)")
  }
}
