// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `compare --help` lists every tensor that `--per-token` writes. Before, it named five
/// (delta_actual … exact_kl) while the file also held `trust_scale`, `valid` and, with
/// --linearized, four more.
@Suite struct ComparePerTokenHelpTests {
  @Test func helpNamesEveryTensorTheFileHolds() throws {
    let scratch = ScratchFolder("compare-per-token-help")
    let out = scratch.path("c.safetensors")
    let a = TrustworthyAnswersCommandTests.step(1), b = TrustworthyAnswersCommandTests.step(2)
    #expect(try runDeltaH(["compare", a, b, "--per-token", out]).status == 0)
    let header = try runDeltaH(["compare", "--help"]).standardOutput.replacingOccurrences(of: "\n", with: " ")
      .replacingOccurrences(of: "  ", with: " ")
    let data = try Data(contentsOf: URL(fileURLWithPath: out))
    let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let json = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
    let names = json.keys.filter { $0 != "__metadata__" }
    #expect(names.count == 7)
    for name in names + ["delta_linearized_first_order", "logit_nonlinearity", "second_order_remainder", "linearized_valid"] {
      #expect(header.contains(name), "compare --help does not name \(name)")
    }
  }
}
