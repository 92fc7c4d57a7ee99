// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `whatif` shows where T and η came from, as `analyze` does. Before, its header read
/// "T = 1, η = 0.5" and its JSON had `temperature` and `learning_rate` only, so a table computed at
/// a default η = 1 (no metadata 'lr') looked the same as one at a chosen η = 1.
@Suite("whatif names the sources of T and η")
struct WhatIfSourcesCommandTests {
  @Test func headerJSONAndReportCaptionNameTheSources() throws {
    let step1 = TrustworthyAnswersCommandTests.step(1)
    let text = try runDeltaH(["whatif", step1])
    #expect(text.status == 0)
    #expect(text.standardOutput.hasPrefix("\(step1): 160 valid tokens, T = 1 (metadata), η = 0.5 (metadata), ratios"), "\(text.standardOutput)")
    let flagged = try runDeltaH(["whatif", step1, "--lr", "2", "--temperature", "1.5", "--json"])
    let object = try flagged.jsonObject()
    #expect(object["temperature_source"] as? String == "flag" && object["learning_rate_source"] as? String == "flag")
    let scratch = ScratchFolder("whatif-sources")
    let json = try scratch.file("w.json", flagged.standardOutput)
    let report = try runDeltaH(["report", json])
    #expect(report.status == 0, "\(report.standardError)")
    #expect(report.standardOutput.contains("temperature = 1.5 (flag), lr = 2 (flag)"), "\(report.standardOutput)")
  }
}
