// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `analyze --json` and `merge --json` record the batch settings behind their selections. Before,
/// `kl_cov_selected`, `clip_cov_selected` and the per-micro-batch covariance were printed without
/// the KL-Cov ratio, Clip-Cov bounds/ratio/seed or micro-batch size that produced them (defaults
/// 0.0002, (1, 5), 0.0002, 1, none were nowhere in the output), so two summaries of one dump with
/// different selections could not be told apart.
@Suite("Summaries record the selection settings they used")
struct SelectionSettingsCommandTests {
  static let step1 = TrustworthyAnswersCommandTests.step(1)

  func settings(_ r: CommandResult) throws -> [String: Any] {
    #expect(r.status == 0, "\(r.standardError)")
    return try #require(try r.jsonObject()["settings"] as? [String: Any])
  }

  @Test func analyzeRecordsTheDefaultsAndTheFlags() throws {
    let defaults = try settings(runDeltaH(["analyze", Self.step1, "--json"]))
    #expect(defaults["kl_cov_ratio"] as? Double == 0.0002 && defaults["clip_cov_ratio"] as? Double == 0.0002)
    #expect(defaults["seed"] as? Int == 1 && defaults["micro_batch"] is NSNull)
    #expect((defaults["clip_cov_bounds"] as? [String: Double]) == ["lower": 1, "upper": 5])
    #expect((defaults["steer_weight_range"] as? [String: Double]) == ["lower": 0.8, "upper": 1.2])
    let given = try settings(runDeltaH([
      "analyze", Self.step1, "--kl-cov-ratio", "0.01", "--clip-cov-ratio", "0.05", "--clip-cov-bounds", "0,9", "--seed", "9", "--micro-batch", "2", "--json",
    ]))
    #expect(given["kl_cov_ratio"] as? Double == 0.01 && given["clip_cov_ratio"] as? Double == 0.05)
    #expect(given["seed"] as? Int == 9 && given["micro_batch"] as? Int == 2)
    #expect((given["clip_cov_bounds"] as? [String: Double]) == ["lower": 0, "upper": 9])
    let table = try runDeltaH(["analyze", Self.step1, "--seed", "9"]).standardOutput
    #expect(table.contains("KL-Cov ratio 0.0002; Clip-Cov ω = (1, 5), ratio 0.0002, seed 9; micro-batch none"), "\(table)")
  }

  /// merge records the settings it computed the selections with: the partials' unless replaced.
  @Test func mergeRecordsTheSettingsOfItsSelections() throws {
    let scratch = ScratchFolder("selection-settings-merge")
    var partials: [String] = []
    for i in 0..<2 {
      let p = scratch.path("p\(i).part")
      let r = try runDeltaH(["analyze", Self.step1, "--shard", "\(i)/2", "--partial", p, "--seed", "3", "--micro-batch", "2"])
      #expect(r.status == 0, "\(r.standardError)")
      partials.append(p)
    }
    let recorded = try settings(runDeltaH(["merge"] + partials + ["--json"]))
    #expect(recorded["seed"] as? Int == 3 && recorded["micro_batch"] as? Int == 2)
    let replaced = try settings(runDeltaH(["merge"] + partials + ["--seed", "4", "--json"]))
    #expect(replaced["seed"] as? Int == 4 && replaced["micro_batch"] as? Int == 2)
  }
}
