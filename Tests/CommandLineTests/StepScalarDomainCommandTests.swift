// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah step --lr/--advantage checked while parsing")
struct StepScalarDomainCommandTests {
  /// `step --lr nan` (or inf, or `--advantage nan`) was accepted by the parser and failed later
  /// with exit 1 in the library's words ("learning rate[0] is nan; it must be finite"), naming no
  /// flag. Every other numeric flag of step is checked while parsing: these are too (exit 64).
  @Test(arguments: [
    (["--lr", "nan", "--advantage", "1"], "'nan' is invalid for '--lr <lr>'"),
    (["--lr", "inf", "--advantage", "1"], "'inf' is invalid for '--lr <lr>'"),
    (["--lr", "1", "--advantage", "nan"], "'nan' is invalid for '--advantage <advantage>'"),
  ])
  func nonFiniteScalarsNameTheFlag(flags: [String], fragment: String) throws {
    let r = try runDeltaH(["step", "--logits", "1,2", "--token", "0"] + flags)
    let lines = r.standardError.split(separator: "\n")
    #expect(r.status == 64, "\(r.standardError)")
    #expect(lines.count == 1 && lines[0].contains(fragment), "\(r.standardError)")
    #expect(r.standardOutput.isEmpty)
  }

  /// The rewards mode reads --lr too.
  @Test func nonFiniteLearningRateOfTheRewardsMode() throws {
    let r = try runDeltaH(["step", "--logits", "1,2", "--rewards", "1,0", "--rule", "pg", "--lr", "nan"])
    #expect(r.status == 64 && r.standardError.contains("'nan' is invalid for '--lr <lr>'"), "\(r.standardError)")
  }

  /// `step --token=-1` exited 1 in the library's words ("action -1 is out of range"); a negative
  /// token is refused while parsing, naming the flag (the upper bound, K − 1, stays a run-time check).
  @Test func aNegativeTokenNamesTheFlag() throws {
    let r = try runDeltaH(["step", "--logits", "1,2", "--token=-1", "--advantage", "1", "--lr", "0.1"])
    #expect(r.isUsageError(naming: "'-1' is invalid for '--token <token>'"), "\(r.standardError)")
  }
}
