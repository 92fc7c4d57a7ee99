// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah curvature and cliff, end to end")
struct CurvatureCliffCommandTests {
  func numbers(_ object: [String: Any], _ key: String) throws -> [Double] {
    try #require(object[key] as? [Double], "missing array key \(key)")
  }

  @Test func curvatureJSON() throws {
    // Two equal probabilities: λ_max(F) = ½ exactly (the tight case), tr F = ½.
    let two = try runDeltaH(["curvature", "--logits", "0.3,0.3", "--top", "2", "--json"])
    #expect(two.status == 0, "\(two.standardError)")
    let o2 = try two.jsonObject()
    let f2 = try numbers(o2, "fisher_eigenvalues")
    #expect(abs(f2[0] - 0.5) < 1e-15 && abs(f2[1]) < 1e-15)
    #expect(abs(try #require(o2["fisher_trace"] as? Double) - 0.5) < 1e-15)
    #expect(o2["lambda_max_bound"] as? Double == 0.5)

    // docs/theory.md#checkable-derivatives z = [2, 1, 0, −1]: check against its ∇²H rows through its trace
    // (−0.1352585223 − 0.1193572889 + 0.0278552146 + 0.0437564480 = −0.1829... = Σλ).
    let r = try runDeltaH(["curvature", "--logits", "2,1,0,-1", "--top", "4", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    for key in ["fisher_eigenvalues", "entropy_hessian_eigenvalues", "fisher_trace", "entropy", "method"] {
      #expect(o[key] != nil, "key \(key)")
    }
    let f = try numbers(o, "fisher_eigenvalues")
    let h = try numbers(o, "entropy_hessian_eigenvalues")
    #expect(f == f.sorted(by: >) && f.allSatisfy { $0 <= 0.5 })
    let magnitudes: [Double] = h.map { abs($0) }
    #expect(magnitudes == magnitudes.sorted(by: >))
    let diagonalH: [Double] = [-0.1352585223, -0.1193572889, 0.0278552146, 0.0437564480]
    let traceH: Double = diagonalH.reduce(0, +)
    let sumH: Double = h.reduce(0, +)
    #expect(abs(sumH - traceH) < 1e-9)
    let p: [Double] = [0.6439142599, 0.2368828181, 0.0871443187, 0.0320586033]
    let sumSquares: Double = p.map { $0 * $0 }.reduce(0, +)
    let sumF: Double = f.reduce(0, +)
    #expect(abs(sumF - (1 - sumSquares)) < 1e-9)
    let trace = try #require(o["fisher_trace"] as? Double)
    #expect(abs(trace - sumF) < 1e-14)

    // A temperature rescales the logits: T = 2 on 2z equals T = 1 on z.
    let t = try runDeltaH(["curvature", "--logits", "4,2,0,-2", "--temperature", "2", "--top", "4", "--json"]).jsonObject()
    #expect(maxAbsoluteDifference(try numbers(t, "entropy_hessian_eigenvalues"), h) < 1e-14)
  }

  @Test func curvatureLanczosPath() throws {
    // K = 600 > 512 goes through Lanczos; the table form prints the method.
    let z = (0..<600).map { String(format: "%.6f", sin(Double($0) * 0.37) * 3) }.joined(separator: ",")
    let r = try runDeltaH(["curvature", "--logits", z, "--top", "3", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    #expect(o["method"] as? String == "lanczos")
    #expect(try numbers(o, "fisher_eigenvalues").count == 3)
  }

  @Test func cliffJSON() throws {
    let r = try runDeltaH(["cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json"])
    #expect(r.status == 0, "\(r.standardError)")
    let o = try r.jsonObject()
    for key in ["margin", "ties", "stability_radius", "lipschitz_tv", "jacobian_norm", "price_of_smoothing"] {
      #expect(o[key] != nil, "key \(key)")
    }
    #expect(o["ties"] as? Int == 2)
    #expect(o["margin"] as? Double == 1)
    #expect(o["stability_radius"] as? Double == 0, "a tie: the cliff")
    #expect(o["argmax_set_radius"] as? Double == 0.5)
    #expect(abs(try #require(o["lipschitz_tv"] as? Double) - 5) < 1e-15)
    // π_α ≈ [½, ½, ~0]: λ_max(F) = ½ − O(e^{−10}) ⇒ ‖J‖ = λ_max/α just under 5.
    let jn = try #require(o["jacobian_norm"] as? Double)
    #expect(jn < 5 && jn > 4.99)
    let price = try #require(o["price_of_smoothing"] as? Double)
    let e: Double = exp(-10.0)
    let expectedPrice: Double = e / (2 + e)
    #expect(abs(price - expectedPrice) < 1e-15)

    let g = try runDeltaH(["cliff", "--rewards", "3,-1,2", "--alpha", "0.5", "--gamma", "0.9", "--json"]).jsonObject()
    #expect(g["ties"] as? Int == 1)
    #expect(abs(try #require(g["stability_radius"] as? Double) - 0.05) < 1e-15)
    #expect(abs(try #require(g["lipschitz_tv"] as? Double) - 10) < 1e-12)
    // All tied: margin is infinite (written as the string "inf").
    let all = try runDeltaH(["cliff", "--rewards", "2,2", "--alpha", "1", "--json"]).jsonObject()
    #expect(all["margin"] as? String == "inf")
  }

  @Test func tablesPrint() throws {
    let c = try runDeltaH(["curvature", "--logits", "2,1,0,-1", "--top", "2"])
    #expect(c.status == 0 && c.standardOutput.contains("Fisher trace"))
    let d = try runDeltaH(["cliff", "--rewards", "1,1,0", "--alpha", "0.1"])
    #expect(d.status == 0 && d.standardOutput.contains("the cliff"))
  }

  @Test(arguments: [
    ["curvature", "--logits", "1,nan,0", "--top", "1"],
    ["curvature", "--logits", "1,inf", "--top", "1"],
    ["curvature", "--logits", "1,2,3", "--top", "4"],
    ["curvature", "--logits", "1,2,3", "--top", "0"],
    ["curvature", "--logits", "1,2,3", "--temperature", "0"],
    ["curvature", "--logits", "1,x,3"],
    ["cliff", "--rewards", "1,0", "--alpha", "0"],
    ["cliff", "--rewards", "1,0", "--alpha", "-1"],
    ["cliff", "--rewards", "1,0", "--alpha", "1", "--gamma", "1"],
    ["cliff", "--rewards", "1,0", "--alpha", "1", "--gamma", "-0.1"],
    ["cliff", "--rewards", "1,nan", "--alpha", "1"],
    ["cliff", "--rewards", "1,0", "--alpha", "1", "--tolerance", "-1"],
    ["cliff", "--rewards", "1,0"],
  ])
  func badInputExitsNonZero(arguments: [String]) throws {
    let r = try runDeltaH(arguments)
    #expect(r.status != 0)
    #expect(!r.standardError.isEmpty)
  }

  @Test func outOfRangeTopIsNamedByTheCommandLine() throws {
    // The library error does not name CLI flags; the command names --top.
    let r = try runDeltaH(["curvature", "--logits", "1,2,3", "--top", "4"])
    #expect(r.status != 0 && r.standardError.contains("--top 4 is out of range: the policy has 3 actions"))
  }
}
