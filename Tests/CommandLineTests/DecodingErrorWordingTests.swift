// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// A DeltaH JSON file that lacks a key or has one of the wrong type is named with the key's path.
/// Before: "bad.json: cannot read DeltaH JSON of kind 'analyze': DecodingError.keyNotFound: Key
/// 'file' not found in keyed decoding container. Debug description: No value associated with key
/// CodingKeys(stringValue: \"file\", intValue: nil) (\"file\")."
@Suite struct DecodingErrorWordingTests {
  @Test func missingAndMistypedKeysAreNamedByTheirPath() throws {
    let scratch = ScratchFolder("decoding-error-wording")
    let missing = try scratch.file("missing.json", #"{"kind": "analyze"}"#)
    let series = try runDeltaH(["series", missing])
    #expect(series.status != 0)
    #expect(series.standardError == "Error: \(missing): not the summary of one dump (deltah analyze DUMP --json or deltah merge --json): missing key 'file'\n")
    let report = try runDeltaH(["report", missing])
    #expect(report.standardError == "Error: \(missing): cannot read DeltaH JSON of kind 'analyze': missing key 'file'\n")
    let good = try runDeltaH(["analyze", TrustworthyAnswersCommandTests.step(1), "--json"]).standardOutput
    let mistyped = try scratch.file("mistyped.json", good.replacingOccurrences(of: #""tokens" : 160"#, with: #""tokens" : "many""#))
    let r = try runDeltaH(["report", mistyped])
    #expect(r.standardError.hasPrefix("Error: \(mistyped): cannot read DeltaH JSON of kind 'analyze': at 'tokens': expected Int, found another type"), "\(r.standardError)")
    #expect(r.standardError.split(separator: "\n").count == 1)
  }
}
