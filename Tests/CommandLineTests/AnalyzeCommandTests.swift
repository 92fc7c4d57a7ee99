// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah analyze, compare, merge end to end")
struct AnalyzeCommandTests {
  /// The repository's data/sample folder, found from this source file's location.
  static let sample: String = {
    let here = URL(fileURLWithPath: #filePath)
    return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("data/sample").path
  }()

  static func temporary(_ name: String) -> String {
    NSTemporaryDirectory() + "deltah-cli-\(UUID().uuidString)-" + name
  }

  @Test func analyzeJSONKeys() throws {
    let r = try runDeltaH(["analyze", "\(Self.sample)/step_0001.safetensors", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    for key in ["tokens", "entropy_token_mean", "entropy_seq_mean_token_mean", "covariance", "kl_cov_selected",
                "clip_cov_candidates", "polarity", "quadrants", "entropy_percentiles", "audit", "temperature", "learning_rate"] {
      #expect(o[key] != nil, "missing \(key)")
    }
    #expect(o["tokens"] as? Int == 160)
    // The sample's metadata says lr = 0.5; η defaults to it.
    #expect(o["learning_rate"] as? Double == 0.5)
    let audit = try #require(o["audit"] as? [String: Any])
    let entropyAudit = try #require(audit["entropy"] as? [String: Any])
    // The logged entropy is float32 of the exact value: agreement to float32 rounding of H ≤ 8.
    #expect((entropyAudit["max_abs_difference"] as? Double ?? 1) < 1e-5)
  }

  @Test func perTokenOutputAndSeries() throws {
    let out = Self.temporary("per-token.safetensors")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let r = try runDeltaH(["analyze", "\(Self.sample)/step_0001.safetensors", "--per-token", out, "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
    let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
    for name in ["entropy", "logprob", "centred_cov", "sampled_term", "correction_term", "polarity"] {
      let t = try #require(header[name] as? [String: Any], "missing tensor \(name)")
      #expect(t["shape"] as? [Int] == [8, 24])
      #expect(t["dtype"] as? String == "F64")
    }
    let series = try runDeltaH(["analyze", "\(Self.sample)/step_0001.safetensors", "\(Self.sample)/step_0002.safetensors", "--json"]).jsonObject()
    #expect((series["steps"] as? [Any])?.count == 2)
  }

  @Test func compareJSON() throws {
    let r = try runDeltaH(["compare", "\(Self.sample)/step_0001.safetensors", "\(Self.sample)/step_0002.safetensors", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    for key in ["tokens", "pearson_first_order", "pearson_second_order", "rmse_first_order", "rmse_second_order", "sign_agreement"] {
      #expect(o[key] != nil, "missing \(key)")
    }
    // The sample's steps are exact tabular updates with lr 0.5 (plus bf16 rounding of the logits):
    // the second-order prediction must track the actual change closely.
    #expect((o["pearson_second_order"] as? Double ?? 0) > 0.99)
    #expect((o["rmse_second_order"] as! Double) < (o["rmse_first_order"] as! Double))
  }

  @Test func shardsMergeToTheWhole() throws {
    let dump = "\(Self.sample)/step_0002.safetensors"
    let whole = try runDeltaH(["analyze", dump, "--json", "--micro-batch", "2"]).jsonObject()
    var partials: [String] = []
    defer { for p in partials { try? FileManager.default.removeItem(atPath: p) } }
    for i in 0..<3 {
      let p = Self.temporary("part\(i).safetensors")
      let r = try runDeltaH(["analyze", dump, "--shard", "\(i)/3", "--partial", p])
      #expect(r.status == 0, "\(r.standardError)")
      partials.append(p)
    }
    let merged = try runDeltaH(["merge"] + partials + ["--json", "--micro-batch", "2", "--lr", "0.5"]).jsonObject()
    for key in ["tokens", "entropy_token_mean", "entropy_seq_mean_token_mean", "covariance", "kl_cov_selected", "polarity", "quadrants", "entropy_percentiles"] {
      #expect(NSDictionary(dictionary: ["v": whole[key] as Any]).isEqual(to: ["v": merged[key] as Any]), "\(key) differs")
    }
  }

  @Test func badDumpFailsCleanlyAndWritesNothing() throws {
    let broken = Self.temporary("broken.safetensors")
    let out = Self.temporary("never.safetensors")
    let good = try Data(contentsOf: URL(fileURLWithPath: "\(Self.sample)/step_0001.safetensors"))
    try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: broken))
    defer { try? FileManager.default.removeItem(atPath: broken) }
    let r = try runDeltaH(["analyze", broken, "--per-token", out])
    #expect(r.status != 0)
    #expect(r.standardError.contains("broken.safetensors"), "\(r.standardError)")
    #expect(!FileManager.default.fileExists(atPath: out))
    let missing = try runDeltaH(["analyze", Self.temporary("nope.safetensors")])
    #expect(missing.status != 0 && missing.standardError.contains("nope.safetensors"))
    let percent = try runDeltaH(["analyze", "\(Self.sample)/step_0001.safetensors", "--kl-cov-ratio", "2"])
    #expect(percent.status != 0 && percent.standardError.contains("fraction"))
  }
}

@Suite("deltah curvature on dump positions")
struct CurvatureDumpCommandTests {
  @Test func dumpPositionsEqualTheLogitsForm() throws {
    let sample = AnalyzeCommandTests.sample + "/step_0001.safetensors"
    let fromDump = try runDeltaH(["curvature", sample, "--positions", "7", "--top", "3", "--json"])
    #expect(fromDump.status == 0, "\(fromDump.standardError)")
    let entry = try #require((fromDump.jsonObject()["positions"] as? [[String: Any]])?.first)
    #expect(entry["position"] as? Int == 7)
    // The same row through --logits, its BF16 values read straight from the file here (header and
    // offsets), independently of LogitDumps.
    let data = try Data(contentsOf: URL(fileURLWithPath: sample))
    let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
    let logits = header["logits"] as! [String: Any]
    let begin = (logits["data_offsets"] as! [Int])[0]
    let v = (logits["shape"] as! [Int]).last!
    let start = 8 + n + begin + 7 * v * 2
    let row = (0..<v).map { i -> String in
      let bits = UInt32(data[start + 2 * i]) | UInt32(data[start + 2 * i + 1]) << 8
      return "\(Double(Float(bitPattern: bits << 16)))"
    }
    let fromLogits = try runDeltaH(["curvature", "--logits", row.joined(separator: ","), "--top", "3", "--json"]).jsonObject()
    for key in ["fisher_eigenvalues", "entropy_hessian_eigenvalues"] {
      let a = try #require(entry[key] as? [Double]), b = try #require(fromLogits[key] as? [Double])
      #expect(a == b, "\(key)")
    }
    #expect(entry["fisher_trace"] as? Double == fromLogits["fisher_trace"] as? Double)
    let bad = try runDeltaH(["curvature", sample, "--positions", "100000"])
    #expect(bad.status != 0 && bad.standardError.contains("out of range"))
  }
}
