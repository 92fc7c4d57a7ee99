// DeltaH — entropy change of softmax policies.

import Foundation
import PolicyCliff
import Reports
import Testing

/// The terminal tables of the cliff report (the one `deltah cliff` prints) and the errors a
/// ``ReportError`` nests.
@Suite("Terminal tables and nested report errors")
struct TerminalTableAndErrorTests {
  @Test func cliffTableMarksTheTie() throws {
    let tie = TextTable(cliff: try CliffReport(values: [1, 1, 0], alpha: 0.1)).rendered()
    #expect(tie.contains("tied optimal actions") && tie.contains("2 (0, 1)") && tie.contains("0 (tie: the cliff)"))
    let clear = TextTable(cliff: try CliffReport(values: [2, 1, 0], alpha: 0.1)).rendered()
    #expect(!clear.contains("the cliff") && clear.contains("1 (0)"))
    // One row per quantity plus the header and its rule.
    #expect(clear.split(separator: "\n").count == 11 + 2)
  }

  @Test func aCliffThatCannotBeRecomputedNestsThePolicyCliffError() throws {
    let good = try CliffReport(values: [1, 1, 0], alpha: 0.1)
    var object = try JSONSerialization.jsonObject(with: DeltaHEnvelope(kind: .cliff, result: good).jsonData()) as! [String: Any]
    object["alpha"] = -1
    var report = RunReport(title: "t", generator: "test")
    let e = #expect(throws: ReportError.self) {
      try report.addDeltaHJSON(try JSONSerialization.data(withJSONObject: object), source: "cliff.json")
    }
    guard case .policyCliff(let inner)? = e?.underlying else {
      Issue.record("expected a nested PolicyCliffError, got \(String(describing: e?.underlying))")
      return
    }
    #expect(e?.message == "cliff.json: \(inner)")
  }

  @Test func malformedJSONNestsTheDecodingError() {
    var report = RunReport(title: "t", generator: "test")
    let e = #expect(throws: ReportError.self) { try report.addDeltaHJSON(Data("[1, 2]".utf8), source: "x.json") }
    guard case .decoding? = e?.underlying else {
      Issue.record("expected a nested decoding error")
      return
    }
    #expect(e?.message.hasPrefix("x.json: not a JSON object") == true)
  }
}
