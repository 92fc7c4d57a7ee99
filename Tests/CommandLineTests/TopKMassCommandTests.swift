// DeltaH — entropy change of softmax policies.

import Foundation
import LogitDumps
import Testing
import _TestSupport

/// `deltah analyze` of a top-k dump whose row sums above 1 (logits stored as `topk_logprobs`):
/// before, exit 0 with a negative "entropy lower bound" and a warning; now one line naming the
/// file, the tensor and the position, exit 1, nothing on standard output.
@Suite("analyze refuses top-k rows summing above 1")
struct TopKMassCommandTests {
  @Test func logitsStoredAsTopKLogprobsAreRefused() throws {
    let d = NSTemporaryDirectory() + "deltah-topk-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: d) }
    let rows: [[Float]] = [[2, 1, 0.5]] + Array(repeating: [-0.693, -1.204, -2.303], count: 3)  // logits, then ln 0.5, 0.3, 0.1
    var w = SafetensorsWriter(metadata: ["vocab_size": "10"])
    w.add("topk_logprobs", rows.flatMap { $0 }, shape: [4, 3])
    w.add("topk_ids", (0..<12).map { Int64($0 % 3) }, shape: [4, 3])
    w.add("token_ids", [Int64(0), 1, 0, 2], shape: [4])
    w.add("advantages", [1.0, -1, 0.5, -0.5], shape: [4])
    let path = d + "/topk.safetensors"
    try w.write(to: path)
    let r = try runDeltaH(["analyze", path, "--json"])
    #expect(r.status == 1 && r.standardOutput.isEmpty)
    let errors = r.standardError.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
    #expect(errors.count == 1 && errors[0].contains("\(path): tensor 'topk_logprobs': the probabilities at position 0 sum to"), "\(r.standardError)")
  }
}
