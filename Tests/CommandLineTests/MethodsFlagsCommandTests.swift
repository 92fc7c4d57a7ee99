// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// The interventions' settings at the command line: `whatif --kl-coef` (KL-Cov's β, fixed at 1
/// before) is checked while parsing and shown with its source; `bandit --intervention clip-cov
/// --dual-clip` is refused (verl's Clip-Cov loss has no dual clip; before, the run applied one and
/// exited 0).
@Suite("deltah whatif --kl-coef; clip-cov refuses --dual-clip")
struct MethodsFlagsCommandTests {
  @Test func klCoefIsCheckedWhileParsing() throws {
    for bad in ["-1", "nan"] {
      let r = try runDeltaH(["whatif", TrustworthyAnswersCommandTests.step(1), "--kl-coef", bad])
      #expect(r.status == 64 && r.standardError.contains("for '--kl-coef <kl-coef>'"), "\(bad): \(r.standardError)")
    }
  }

  @Test func klCoefReachesTheRowsWithItsSource() throws {
    let r = try runDeltaH(["whatif", TrustworthyAnswersCommandTests.step(1), "--kl-coef", "0.1", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let json = try r.jsonObject()
    #expect(json["kl_coef"] as? Double == 0.1 && json["kl_coef_source"] as? String == "flag")
    let rows = try #require(json["interventions"] as? [[String: Any]])
    let klCov = try #require(rows.first { $0["name"] as? String == "kl-cov" })
    #expect((klCov["parameters"] as? String)?.contains("β = 0.1 (flag)") == true)
    let text = try runDeltaH(["whatif", TrustworthyAnswersCommandTests.step(1)])
    #expect(text.standardOutput.contains("β = 1.0 (default)"))
  }

  /// `--kl-coef -0` is β = 0: shown as 0.0 (it read "β = -0.0 (flag)", the review's cosmetic find).
  @Test func aNegativeZeroSettingIsZero() throws {
    let r = try runDeltaH(["whatif", TrustworthyAnswersCommandTests.step(1), "--kl-coef", "-0"])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("β = 0.0 (flag)") && r.standardOutput.contains("β₀ = 0.0 (flag)"), "\(r.standardOutput)")
  }

  @Test func clipCovRefusesADualClipNamingTheFlag() throws {
    let r = try runDeltaH(["bandit", "--rewards", "1,0,0.5", "--steps", "2", "--rule", "ppo", "--intervention", "clip-cov", "--dual-clip", "3"])
    let lines = r.standardError.split(separator: "\n")
    #expect(r.status != 0 && r.standardOutput.isEmpty)
    #expect(lines.count == 1 && lines[0].contains("--dual-clip") && lines[0].contains("no dual clip"), "\(r.standardError)")
    // The same flags with another intervention still run.
    #expect(try runDeltaH(["bandit", "--rewards", "1,0,0.5", "--steps", "2", "--rule", "ppo", "--intervention", "steer-linear", "--dual-clip", "3"]).status == 0)
  }
}
