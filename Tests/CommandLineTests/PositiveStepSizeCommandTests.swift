// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// η, the logit-space step size of the polarity split, is > 0 wherever it comes from. Before,
/// `analyze --lr -1` (and a dump's metadata lr = -0.5) ran with exit 0 and every polarity, Φ± and
/// quadrant sum flipped in sign, against the README's "the signs stay"; `--lr 0` zeroed them.
@Suite("η must be positive: --lr and metadata 'lr'")
struct PositiveStepSizeCommandTests {
  @Test(arguments: [
    ["analyze", TrustworthyAnswersCommandTests.step(1), "--lr", "-1"], ["analyze", TrustworthyAnswersCommandTests.step(1), "--lr", "0"],
    ["whatif", TrustworthyAnswersCommandTests.step(1), "--lr", "-0.5"],
  ])
  func aStepSizeThatIsNotPositiveIsRefused(arguments: [String]) throws {
    let r = try runDeltaH(arguments)
    #expect(r.isUsageError(naming: "is invalid for '--lr <lr>': must be a finite number > 0"), "\(r.status) \(r.standardError)")
  }

  @Test func aDumpWithANegativeLearningRateIsRefusedNamingTheFile() throws {
    let scratch = ScratchFolder("negative-eta")
    _ = try scratch.file("README", "scratch")
    let path = scratch.path("eta.safetensors")
    try Data(minimalDumpBytes(metadata: ["lr": "-0.5"])).write(to: URL(fileURLWithPath: path))
    let r = try runDeltaH(["analyze", path])
    #expect(r.status == 1 && r.standardError.contains(path) && r.standardError.contains("metadata 'lr' = '-0.5' is not a finite number > 0"), "\(r.standardError)")
    #expect(r.standardOutput.isEmpty)
  }
}
