// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `bandit`/`mdp` record the settings they used (values, defaults) and name every flag given that
/// the run does not read, in every output: standard error, the table, JSON, CSV and `report`.
/// Before, `--clip-low 0.3` with `--rule pg` (or `--sample-seed` with an exact rule, or
/// `--steer-min` without STEER) was ignored without a word, and the JSON did not say which G,
/// epochs or ε a run used.
@Suite("deltah bandit/mdp: the settings used, and flags that have no effect")
struct TrainingSettingsCommandTests {
  static let args = ["bandit", "--arms", "4", "--seed", "2", "--steps", "3", "--rule", "pg", "--clip-low", "0.3", "--sample-seed", "5"]
  static let warnings = [
    "--clip-low has no effect: the run (rule pg with intervention none) does not read it",
    "--sample-seed has no effect: the run (rule pg with intervention none) does not read it",
  ]

  @Test func flagsWithoutEffectAreNamedInEveryOutput() throws {
    let table = try runDeltaH(Self.args)
    #expect(table.status == 0)
    #expect(table.standardError == Self.warnings.map { "warning: \($0)\n" }.joined())
    for w in Self.warnings { #expect(table.standardOutput.contains("warning: \(w)")) }
    let json = try runDeltaH(Self.args + ["--json"])
    let summary = try #require(try json.jsonObject()["summary"] as? [String: Any])
    #expect(summary["warnings"] as? [String] == Self.warnings)
    let settings = try #require(summary["settings"] as? [String: Any])
    #expect(settings["not_read"] as? [String] == ["clip_low", "sample_seed"])
    #expect(settings["sample_seed"] is NSNull && (settings["rule"] as? [String: Any])?.isEmpty == true)
    let csv = try runDeltaH(Self.args + ["--csv"])
    let lines = csv.standardOutput.split(separator: "\n").map(String.init)
    #expect(Array(lines.prefix(2)) == Self.warnings.map { "# warning: \($0)" })
    #expect(lines[2].hasPrefix("step,entropy,"))
  }

  @Test func theSettingsUsedAreRecordedWithTheirSource() throws {
    let r = try runDeltaH(["mdp", "--states", "3", "--actions", "3", "--steps", "2", "--rule", "ppo", "--clip-high", "0.28", "--intervention", "clip-cov", "--json"])
    #expect(r.status == 0 && r.standardError.isEmpty, "\(r.standardError)")
    let summary = try #require(try r.jsonObject()["summary"] as? [String: Any])
    let settings = try #require(summary["settings"] as? [String: Any])
    let rule = try #require(settings["rule"] as? [String: Any])
    #expect(rule["clip_high"] as? Double == 0.28 && rule["clip_low"] as? Double == 0.2 && rule["epochs"] as? Double == 4)
    #expect((settings["intervention"] as? [String: Any])?["covariance_ratio"] as? Double == 2e-4)
    let defaults = try #require(settings["defaults"] as? [String])
    #expect(defaults.contains("clip_low") && defaults.contains("epochs") && !defaults.contains("clip_high"))
    #expect(defaults.contains("sample_seed") && settings["sample_seed"] as? Int == 1 && settings["scaling"] as? String == "per-state")
    // KL-Cov's loss has no PPO clip: the clip settings are not read, and a given one is named.
    let kl = try runDeltaH(["mdp", "--states", "3", "--actions", "3", "--steps", "2", "--rule", "ppo", "--clip-high", "0.28", "--intervention", "kl-cov"])
    #expect(kl.status == 0 && kl.standardError.contains("--clip-high has no effect"), "\(kl.standardError)")
    let text = try runDeltaH(["mdp", "--states", "3", "--actions", "3", "--steps", "2", "--rule", "ppo", "--clip-high", "0.28"])
    #expect(text.standardOutput.replacing("\n  ", with: " ").contains("clip_high = 0.28, dual_clip = none (default)"), "\(text.standardOutput)")
  }

  /// `report` of a `bandit --json` file keeps the settings in the table's provenance and the
  /// warnings in its warnings.
  @Test func reportKeepsSettingsAndWarnings() throws {
    let scratch = ScratchFolder("training-settings")
    let path = try scratch.file("run.json", try runDeltaH(Self.args + ["--json"]).standardOutput)
    let r = try runDeltaH(["report", path, "--format", "csv"])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("# settings: scaling = per-state (default)"))
    for w in Self.warnings {
      #expect(r.standardOutput.contains("# warning: \(path): \(w)"))
      #expect(r.standardError.contains("warning: \(path): \(w)"))
    }
  }

  /// `sweep` records the settings each rule and intervention ran with (the library defaults but
  /// G), which its provenance did not say (ppo's 4 epochs, Clip-Cov's ratio and bounds).
  @Test func sweepRecordsTheSettingsOfItsRulesAndInterventions() throws {
    let r = try runDeltaH([
      "sweep", "--arms", "3", "--seed", "1", "--steps", "2", "--runs", "1", "--samples", "6", "--rules", "reinforce,ppo",
      "--interventions", "none,clip-cov,cispo", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.standardError)")
    let provenance = try #require(try r.jsonObject()["provenance"] as? [String: Any])
    let settings = try #require(provenance["settings"] as? [[String: Any]])
    func value(_ name: String) -> String? { settings.first { $0["name"] as? String == name }?["value"] as? String }
    #expect(value("rule settings") == """
      reinforce: entropy_coefficient = 0, samples_per_state = 6, epochs = 1, clip_low = 0.2, clip_high = 0.2, dual_clip = none; \
      ppo: entropy_coefficient = 0, samples_per_state = 6, epochs = 4, clip_low = 0.2, clip_high = 0.2, dual_clip = none, grpo_epsilon = 1e-06
      """)
    #expect(value("intervention settings") == "clip-cov: covariance_ratio = 0.0002, covariance_lower_bound = 1, covariance_upper_bound = 5")
  }
}
