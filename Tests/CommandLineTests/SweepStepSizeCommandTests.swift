// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah sweep --lr overflow")
struct SweepStepSizeCommandTests {
  /// `sweep --lr 1e300` failed with exit 1 in the library's words ("learning rate / coefficients:
  /// step 0 overflowed Double …") without naming the flag, where `bandit` and `mdp` name `--lr`
  /// with exit 64. The sweep sets η only through --lr, so it names --lr like they do.
  @Test(arguments: [["--rewards", "1,2"], ["--mdp", "--arms", "2", "--states", "2"]])
  func overflowingStepNamesTheFlag(problem: [String]) throws {
    let r = try runDeltaH(["sweep"] + problem + ["--steps", "2", "--runs", "1", "--samples", "2", "--lr", "1e300", "--threads", "1"])
    let lines = r.standardError.split(separator: "\n")
    #expect(r.status == 64, "\(r.standardError)")
    #expect(lines.count == 1 && lines[0].hasPrefix("Error: --lr 1e+300 or a coefficient is too large: step 0 overflowed"), "\(r.standardError)")
    #expect(r.standardOutput.isEmpty)
  }
}
