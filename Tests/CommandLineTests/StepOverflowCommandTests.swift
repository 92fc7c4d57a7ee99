// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah step: a step η·A beyond Double's range names η and A")
struct StepOverflowCommandTests {
  /// `step --lr 1e308 --advantage 10` (and the rewards mode with a large reward gap) exited 1 with
  /// "logit step[0] is inf; it must be finite", and `--lr 1e308 --advantage 1` (a finite step whose
  /// second-order term overflows) with "the result is not finite: the logits or the step are too
  /// large", naming neither η nor A. Now one line naming both by value, exit 1 (a run-time
  /// refusal: each flag alone is in its domain).
  @Test(arguments: [
    ["--token", "0", "--advantage", "10", "--lr", "1e308"],
    ["--rewards", "10,0", "--rule", "npg", "--lr", "1e308"],
    ["--rewards", "10,0", "--rule", "pg", "--lr", "1e308"],
    ["--token", "0", "--advantage", "1", "--lr", "1e308"],
    ["--rewards", "1,0", "--rule", "npg", "--lr", "1e308"],
  ])
  func anOverflowingStepNamesTheLearningRateAndTheAdvantage(flags: [String]) throws {
    let r = try runDeltaH(["step", "--logits", "1,2"] + flags)
    let lines = r.standardError.split(separator: "\n")
    #expect(r.status == 1, "\(r.standardError)")
    #expect(lines.count == 1 && lines[0].contains("learning rate η = 1e+308 with advantage A = "), "\(r.standardError)")
    #expect(r.standardOutput.isEmpty)
  }
}
