// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// A flag that cannot affect the command as given is refused in one line naming it (exit 64),
/// instead of being ignored. Before, each of these ran with exit 0 and the flag had no effect.
@Suite("A flag that has no effect is refused, not ignored")
struct FlagWithoutEffectCommandTests {
  @Test(arguments: [
    (["step", "--logits", "1,2", "--token", "0", "--advantage", "1", "--lr", "0.1", "--rule", "pg"], "--rule goes with --rewards"),
    (["step", "--logits", "1,2", "--rewards", "1,0", "--rule", "pg", "--lr", "0.1", "--advantage", "3"], "--advantage goes with --token"),
    (["curvature", "--logits", "1,2", "--positions", "3", "--top", "1"], "--positions selects rows of a DUMP"),
    (["sweep", "--arms", "3", "--seed", "1", "--gamma", "0.5", "--steps", "2", "--runs", "1"], "--gamma is the discount of --mdp"),
    (["report", TrustworthyAnswersCommandTests.step(1), "--title", "T"], "--title names the --html page"),
  ])
  func isRefusedInOneLine(arguments: [String], message: String) throws {
    let r = try runDeltaH(arguments)
    #expect(r.isUsageError(naming: message), "\(arguments): status \(r.status), \(r.standardError)")
  }

  /// The same flags where they apply still work.
  @Test func theFlagsWorkWhereTheyApply() throws {
    let scratch = ScratchFolder("flags-that-apply")
    _ = try scratch.file("README", "scratch")
    for args in [
      ["step", "--logits", "1,2", "--rewards", "1,0", "--rule", "pg", "--lr", "0.1"],
      ["step", "--logits", "1,2", "--token", "0", "--advantage", "1", "--lr", "0.1"],
      ["sweep", "--mdp", "--arms", "3", "--states", "2", "--seed", "1", "--gamma", "0.5", "--steps", "2", "--runs", "1", "--interventions", "none"],
      ["report", TrustworthyAnswersCommandTests.step(1), "--title", "T", "--html", scratch.path("r.html")],
    ] {
      let r = try runDeltaH(args)
      #expect(r.status == 0, "\(args): \(r.standardError)")
    }
    #expect(try String(contentsOfFile: scratch.path("r.html"), encoding: .utf8).contains("<title>T</title>"))
  }
}
