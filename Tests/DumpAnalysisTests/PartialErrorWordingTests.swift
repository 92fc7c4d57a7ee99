// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import DumpAnalysis
import LogitDumps

/// Libraries do not name CLI flags in their errors (issue 12 item 5): the partial readers say what is
/// wrong, and the `deltah merge` command adds how to write a partial.
@Suite("partial readers' errors name no CLI flag")
struct PartialErrorWordingTests {
  static let dump = "data/sample/step_0001.safetensors"

  @Test func analysisPartialOfADump() throws {
    #expect(try AnalysisPartial.isAnalysisPartial(at: Self.dump) == false)
    #expect {
      _ = try AnalysisPartial(path: Self.dump)
    } throws: { error in
      let text = (error as? DumpError)?.description ?? ""
      return text.contains("not a DeltaH analyze partial") && !text.contains("--") && !text.contains("deltah analyze")
    }
  }

  @Test func comparisonPartialOfADump() throws {
    #expect(try ComparisonPartial.isComparisonPartial(at: Self.dump) == false)
    #expect {
      _ = try ComparisonPartial(path: Self.dump)
    } throws: { error in
      let text = (error as? DumpError)?.description ?? ""
      return text.contains("not a DeltaH compare partial") && !text.contains("--") && !text.contains("deltah compare")
    }
  }
}
