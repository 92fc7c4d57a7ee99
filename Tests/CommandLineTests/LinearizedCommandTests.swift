// DeltaH — entropy change of softmax policies.

import Foundation
import LogitDumps
import Testing
import _TestSupport

@Suite("deltah compare --linearized and report")
struct LinearizedCommandTests {
  static func temporary(_ name: String) -> String {
    NSTemporaryDirectory() + "deltah-lin-\(UUID().uuidString)-" + name
  }

  /// Before, after and jvp dumps of [2, 3] positions over V = 40 (F32 jvp; mask drops one).
  static func writeDumps(jvpShapeV: Int = 40, jvpStep: String = "3") throws -> (String, String, String) {
    var rng = SplitMix64(seed: 77)
    let n = 6, v = 40
    let z = (0..<(n * v)).map { _ in 2 * rng.normal() }
    let dz = (0..<(n * v)).map { _ in 0.05 * rng.normal() }
    let tokens = (0..<n).map { Int64($0 % v) }
    let mask: [UInt8] = [1, 1, 1, 1, 1, 0]
    func write(_ name: String, _ logits: [Double], v: Int, step: String, float32: Bool = false) throws -> String {
      var w = SafetensorsWriter(metadata: ["temperature": "0.9", "step": step])
      if float32 { w.add("logits", logits.map { Float($0) }, shape: [2, 3, v]) } else { w.add("logits", logits, shape: [2, 3, v]) }
      w.add("token_ids", tokens, shape: [2, 3])
      w.add("mask", mask, shape: [2, 3])
      let p = temporary(name)
      try w.write(to: p)
      return p
    }
    let a = try write("before.safetensors", z, v: v, step: "3")
    let b = try write("after.safetensors", zip(z, dz).map { $0 + $1 + 0.2 * $1 * $1 }, v: v, step: "3")
    let j = try write("step.jvp.safetensors", Array(dz.prefix(n * jvpShapeV)), v: jvpShapeV, step: jvpStep, float32: true)
    return (a, b, j)
  }

  @Test func compareLinearizedJSONTablePerTokenAndReport() throws {
    let (a, b, j) = try Self.writeDumps()
    let per = Self.temporary("per.safetensors"), json = Self.temporary("cmp.json"), out = Self.temporary("report")
    defer { for p in [a, b, j, per, json] { try? FileManager.default.removeItem(atPath: p) }; try? FileManager.default.removeItem(atPath: out) }
    let r = try runDeltaH(["compare", a, b, "--linearized", j, "--json", "--per-token", per])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    for key in ["pearson_first_order", "pearson_linearized_first_order", "rmse_linearized_first_order", "share_explained_linearized_first_order",
                "mean_delta_linearized_first_order", "mean_logit_nonlinearity", "mean_second_order_remainder", "linearized_tokens", "warnings"] {
      #expect(o[key] != nil, "missing \(key)")
    }
    #expect(o["linearized_tokens"] as? Int == 5)
    let parts = ["mean_delta_linearized_first_order", "mean_logit_nonlinearity", "mean_second_order_remainder"].map { o[$0] as! Double }.reduce(0, +)
    #expect(abs(parts - (o["mean_delta_actual"] as! Double)) <= 1e-14)
    let perToken = try TensorArchive(path: per)
    for name in ["delta_linearized_first_order", "logit_nonlinearity", "second_order_remainder", "linearized_valid", "delta_actual"] {
      #expect(perToken[name] != nil, "missing \(name)")
    }
    let table = try runDeltaH(["compare", a, b, "--linearized", j])
    #expect(table.status == 0 && table.standardOutput.contains("linearized first order") && table.standardOutput.contains("second-order remainder"))
    try Data(r.standardOutput.utf8).write(to: URL(fileURLWithPath: json))
    let rep = try runDeltaH(["report", json, "--format", "csv"])
    #expect(rep.status == 0, "\(rep.standardError)")
    #expect(rep.standardOutput.contains("linearised network, first order on J·Δθ") && rep.standardOutput.contains("logit nonlinearity"))
    let html = try runDeltaH(["report", "--compare", a, b, "--linearized", j, "--out", out])
    #expect(html.status == 0, "\(html.standardError)")
    #expect(FileManager.default.fileExists(atPath: out + "/predictions-vs-actual.svg"))
    #expect(FileManager.default.fileExists(atPath: out + "/entropy-change-decomposition.svg"))
  }

  @Test func badJVPFileIsNamedAndWarningsReachEveryOutput() throws {
    let (a, b, j) = try Self.writeDumps(jvpShapeV: 39)
    defer { for p in [a, b, j] { try? FileManager.default.removeItem(atPath: p) } }
    let r = try runDeltaH(["compare", a, b, "--linearized", j])
    #expect(r.status != 0)
    #expect(r.standardError.contains(j) && r.standardError.contains("shape"))
    let (a2, b2, j2) = try Self.writeDumps(jvpStep: "4")
    defer { for p in [a2, b2, j2] { try? FileManager.default.removeItem(atPath: p) } }
    let w = try runDeltaH(["compare", a2, b2, "--linearized", j2, "--json"])
    #expect(w.status == 0)
    #expect(w.standardError.contains("step 4"))
    #expect(((try w.jsonObject())["warnings"] as? [String])?.first?.contains("step 4") == true)
    let t = try runDeltaH(["compare", a2, b2, "--linearized", j2])
    #expect(t.standardOutput.contains("warning") && t.standardOutput.contains("step 4"))
  }
}
