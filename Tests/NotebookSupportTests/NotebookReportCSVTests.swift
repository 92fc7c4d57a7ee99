// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _NotebookSupport

/// The notebooks' CSV files: a cell with a comma (the polarity-asymmetry notebook's policy labels
/// `z = [2,1,0,−1]`, its region keys `A>0, ii: band`) is one quoted field, not several columns.
@Suite("notebooks-as-scripts: CSV fields")
struct NotebookReportCSVTests {
  @Test func commaQuoteAndPlainCells() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deltah-notebook-csv-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let report = try NotebookReport(name: "csv-test", claim: "claim", directory: dir.path)
    try report.csv(
      file: "t", header: ["advantage, region", "value"],
      rows: [["z = [2,1,0,−1]", "0.5"], ["say \"hi\"", "1"], ["plain", "-2"]])
    let text = try String(contentsOf: dir.appendingPathComponent("t.csv"), encoding: .utf8)
    #expect(text == "\"advantage, region\",value\n\"z = [2,1,0,−1]\",0.5\n\"say \"\"hi\"\"\",1\nplain,-2\n")
  }
}
