// DeltaH — entropy change of softmax policies.

import Foundation
import PolicyCliff
import Testing

/// The library-owned result of `deltah cliff`: the same numbers as ``SoftPolicyStability``, the
/// JSON keys `deltah report` reads, and a lossless round trip.
@Suite struct CliffReportTests {
  @Test func matchesTheStabilityAnalysisAndKeepsItsKeys() throws {
    let values: [Double] = [1, 0.5, 0]
    let report = try CliffReport(values: values, alpha: 0.1, gamma: 0.5)
    let s = try SoftPolicyStability(values: values, alpha: 0.1, gamma: 0.5)
    #expect(report.ties == 1 && report.tiedActions == [0] && report.margin == 0.5)
    #expect(report.stabilityRadius == s.stabilityRadius && report.lipschitzTV == s.lipschitzTV)
    #expect(report.argmaxSetRadius == s.margin.argmaxSetStabilityRadius(gamma: 0.5))
    #expect(report.softPolicy == s.softPolicy && report.values == values)
    let data = try JSONEncoder().encode(report)
    let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    #expect(Set(object.keys) == [
      "ties", "tied_actions", "margin", "tolerance", "stability_radius", "argmax_set_radius", "lipschitz_tv",
      "jacobian_norm", "l2_bound", "price_of_smoothing", "price_of_smoothing_bound", "soft_policy", "alpha",
      "gamma", "values",
    ])
    #expect(try JSONDecoder().decode(CliffReport.self, from: data) == report)
  }

  @Test func badInputsThrow() {
    #expect(throws: PolicyCliffError.self) { try CliffReport(values: [1, 0], alpha: 0) }
    #expect(throws: PolicyCliffError.self) { try CliffReport(values: [1, .nan], alpha: 1) }
  }
}
