// DeltaH — entropy change of softmax policies.

import Foundation
import PolicyCliff
import Testing
@testable import Reports

/// Every table a report builds cites the section of docs/theory.md that derives its formulas, as the
/// last provenance setting `theory`, and the cited anchor exists in the repository's docs/theory.md.
@Suite("Reports cite docs/theory.md")
struct TheoryCitationTests {
  /// The explicit `<a id="…">` anchors of docs/theory.md.
  static func theoryAnchors() throws -> Set<String> {
    let url = repositoryRoot.appendingPathComponent("docs/theory.md")
    let text = try String(contentsOf: url, encoding: .utf8)
    var anchors = Set<String>()
    for line in text.split(separator: "\n") {
      var rest = Substring(line)
      while let start = rest.range(of: "<a id=\"") {
        let tail = rest[start.upperBound...]
        guard let end = tail.firstIndex(of: "\"") else { break }
        anchors.insert(String(tail[..<end]))
        rest = tail[end...]
      }
    }
    return anchors
  }

  @Test func everyTableCitesAnExistingSection() throws {
    let anchors = try Self.theoryAnchors()
    #expect(anchors.contains("lemma-1") && anchors.count > 40)
    var report = RunReport(title: "t", generator: "DeltaH test")
    report.addSpectra(fisher: [0.3, 0.1], entropyHessian: [-0.2, 0.1], settings: [.init("k", "2")])
    report.addPolicyCliff(try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1))
    #expect(report.tables.count >= 2)
    var cited = Set<String>()
    for table in report.tables {
      let last = try #require(table.provenance.settings.last, "\(table.label) has no settings")
      #expect(last.name == "theory", "\(table.label): last setting is \(last.name)")
      #expect(last.value.hasPrefix("docs/theory.md#"), "\(table.label): \(last.value)")
      let anchor = String(last.value.dropFirst("docs/theory.md#".count))
      #expect(anchors.contains(anchor), "\(table.label) cites docs/theory.md#\(anchor), which does not exist")
      cited.insert(anchor)
      // The citation reaches the text formats.
      #expect(table.csv().contains("# theory: docs/theory.md#\(anchor)"))
      #expect(table.markdown().contains("theory = docs/theory.md#\(anchor)"))
    }
    #expect(cited == ["curvature", "policy-jump"])
    #expect(report.html().contains("docs/theory.md#curvature"))
  }
}
