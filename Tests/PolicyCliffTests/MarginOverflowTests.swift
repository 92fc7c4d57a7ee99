// DeltaH — entropy change of softmax policies.

import PolicyCliff
import Testing

/// Values whose spread overflows Double: δ = max − min was ∞ (read as "every action tied") and the
/// price of smoothing 0·∞ = NaN, printed by `deltah cliff --rewards 1e308,-1e308 --alpha 1e10` with
/// exit 0. They are refused now.
@Suite("Margins of values beyond Double's range")
struct MarginOverflowTests {
  @Test func overflowingSpreadIsRefused() {
    #expect(throws: PolicyCliffError.self) { try ActionMargin(values: [1e308, -1e308]) }
    #expect(throws: PolicyCliffError.self) { try SoftPolicyStability(values: [1e308, -1e308], alpha: 1e10) }
    #expect(throws: PolicyCliffError.self) { try CliffReport(values: [1e308, 0, -1e308], alpha: 1e10) }
  }

  @Test func largeFiniteSpreadStillWorks() throws {
    let m = try ActionMargin(values: [1e300, -1e300])
    #expect(m.margin == 2e300 && m.ties == 1)
    let s = try SoftPolicyStability(values: [1e300, -1e300], alpha: 1)
    #expect(s.priceOfSmoothing == 0 && s.softPolicy == [1, 0])
  }
}
