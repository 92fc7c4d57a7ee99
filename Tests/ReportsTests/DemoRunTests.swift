// DeltaH — entropy change of softmax policies.

import Foundation
import Reports
import Testing

/// The sections `deltah demo` prints and the report it writes, from the library.
@Suite("The demo's sections and report")
struct DemoRunTests {
  static let sample = repositoryRoot.appendingPathComponent("data/sample").path

  @Test func sampleSectionsFollowTheirHeadings() throws {
    let steps = DemoRun.sampleSteps(in: Self.sample)
    #expect(steps.last == "\(Self.sample)/step_0003.safetensors")
    let text = try DemoRun.sampleSections(steps: steps)
    let headings = ["== Sample dump \(steps[0]) (deltah analyze)", "== Entropy trajectory", "== First- vs second-order prediction"]
    let positions = headings.map { text.range(of: $0)?.lowerBound }
    #expect(positions.allSatisfy { $0 != nil })
    #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
  }

  @Test func aMissingRealNetworkSampleIsNil() throws {
    #expect(try DemoRun.realNetworkSection(folder: Self.sample + "/no-such-folder") == nil)
  }

  /// Before: the comparisons' warnings (the TRL dumps' ignored prompt tensors) were left out.
  @Test func theRealNetworkSectionCarriesItsWarnings() throws {
    let real = try #require(try DemoRun.realNetworkSection(folder: Self.sample + "/../trl-tiny"))
    #expect(real.contains("warning: ") && real.contains("tensor 'prompt_ids' is not part of the dump contract"))
  }

  @Test func theReportHasTheSpectraAndTheCliff() throws {
    let html = try DemoRun.report(steps: DemoRun.sampleSteps(in: Self.sample)).html()
    #expect(html.contains("DeltaH demo: the bundled sample run"))
    #expect(html.lowercased().contains("cliff"))
  }
}
