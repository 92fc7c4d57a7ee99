// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah whatif --step checked while parsing")
struct WhatIfStepDomainCommandTests {
  /// `whatif DUMP --step=-5` was accepted by the parser and failed later with exit 1 as
  /// "DUMP: step: must be ≥ 0, got -5", blaming the dump for the flag's value. Now refused while
  /// parsing, naming --step (exit 64).
  @Test func negativeStepNamesTheFlag() throws {
    let r = try runDeltaH(["whatif", TrustworthyAnswersCommandTests.step(1), "--step=-5"])
    let lines = r.standardError.split(separator: "\n")
    #expect(r.status == 64, "\(r.standardError)")
    #expect(lines.count == 1 && lines[0].contains("'-5' is invalid for '--step <step>'"), "\(r.standardError)")
    #expect(r.standardOutput.isEmpty)
  }
}
