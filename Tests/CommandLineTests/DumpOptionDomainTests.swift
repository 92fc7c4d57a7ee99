// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// The dump commands' options check their domains while parsing (`CheckedArgument`): a value
/// outside the domain is refused in one "Error:" line that names the flag and the domain, before
/// any dump is read.
@Suite("deltah dump options refuse out-of-domain values at parsing")
struct DumpOptionDomainTests {
  static func step(_ i: Int) -> String { TrustworthyAnswersCommandTests.step(i) }

  let trust = TrustworthyAnswersCommandTests()

  @Test func batchAndClippingOptions() throws {
    let analyze = ["analyze", Self.step(1)]
    try trust.expectCleanFailure(analyze + ["--clip-cov-ratio", "0"], naming: "'--clip-cov-ratio <clip-cov-ratio>': must be in (0, 1]")
    try trust.expectCleanFailure(analyze + ["--kl-cov-ratio", "20"], naming: "'--kl-cov-ratio <kl-cov-ratio>': must be in (0, 1]; it is a fraction")
    try trust.expectCleanFailure(analyze + ["--clip-cov-bounds", "5,1"], naming: "'--clip-cov-bounds <clip-cov-bounds>': takes two finite numbers lower,upper with lower < upper")
    try trust.expectCleanFailure(analyze + ["--clip-cov-bounds", "1,2,3"], naming: "--clip-cov-bounds")
    try trust.expectCleanFailure(analyze + ["--micro-batch", "0"], naming: "'--micro-batch <micro-batch>': must be at least 1")
    try trust.expectCleanFailure(analyze + ["--clip-low", "1.5", "--clip-high", "0.2"], naming: "'--clip-low <clip-low>': must be in [0, 1]")
    try trust.expectCleanFailure(analyze + ["--clip-low", "0.2", "--clip-high", "-0.1"], naming: "'--clip-high <clip-high>': must be a finite number ≥ 0")
    try trust.expectCleanFailure(analyze + ["--clip-low", "0.2", "--clip-high", "0.2", "--dual-clip", "1"], naming: "'--dual-clip <dual-clip>': must be a finite number > 1")
    try trust.expectCleanFailure(["whatif", Self.step(1), "--entropy-history", "1,inf"], naming: "'--entropy-history <entropy-history>': element 1 is inf; values must be finite")
    try trust.expectCleanFailure(["merge", Self.step(1), "--trust-tolerance", "nan"], naming: "'--trust-tolerance <trust-tolerance>': must be a finite number")
  }

  @Test func combinationsNameBothFlags() throws {
    try trust.expectCleanFailure(["analyze", Self.step(1), "--clip-high", "0.2"], naming: "--clip-low and --clip-high go together")
    try trust.expectCleanFailure(["compare", Self.step(1), Self.step(2), "--shard", "0/2"], naming: "--shard and --partial go together")
    try trust.expectCleanFailure(["compare", Self.step(1), Self.step(2), "--shard", "0/2", "--partial", "/tmp/deltah-never", "--json"], naming: "--shard writes only the partial")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/deltah-never"))
  }
}
