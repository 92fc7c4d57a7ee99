// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `deltah report` reads what `deltah curvature DUMP --positions … --json` writes (it used to
/// reject it as "JSON of no known kind"), and still reads the single-policy and cliff forms.
@Suite("deltah report reads curvature and cliff JSON")
struct ReportCurvatureInputTests {
  @Test func dumpCurvatureJSONBecomesOneSpectraTablePerPosition() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deltah-curv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let curvature = try runDeltaH(["curvature", samplePath(1), "--positions", "7,9", "--top", "3", "--json"])
    #expect(curvature.status == 0, "\(curvature.standardError)")
    let dumpJSON = dir.appendingPathComponent("dump-curvature.json").path
    try curvature.standardOutput.write(toFile: dumpJSON, atomically: true, encoding: .utf8)
    let single = try runDeltaH(["curvature", "--logits", "2,1,0,-1", "--top", "2", "--json"])
    let singleJSON = dir.appendingPathComponent("curvature.json").path
    try single.standardOutput.write(toFile: singleJSON, atomically: true, encoding: .utf8)
    let cliff = try runDeltaH(["cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json"])
    let cliffJSON = dir.appendingPathComponent("cliff.json").path
    try cliff.standardOutput.write(toFile: cliffJSON, atomically: true, encoding: .utf8)

    let r = try runDeltaH(["report", dumpJSON, singleJSON, cliffJSON, "--format", "markdown"])
    #expect(r.status == 0, "\(r.standardError)")
    let text = r.standardOutput
    #expect(text.components(separatedBy: "Leading eigenvalues").count - 1 == 3)  // two positions + one policy
    #expect(text.contains("position = 7") && text.contains("position = 9"))
    #expect(text.contains("Total-variation jump"))
  }
}
