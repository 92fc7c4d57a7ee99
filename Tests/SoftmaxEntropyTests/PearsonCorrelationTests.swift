// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy
import Testing

@Suite("Pearson correlation")
struct PearsonCorrelationTests {
  @Test func handComputedValue() throws {
    // x̄ = ȳ = 2.5; Σdxdy = 0.75·4 = 3, Σdx² = Σdy² = 5 ⇒ r = 3/5 (rounding only: 1e-15).
    let r = try #require(pearsonCorrelation([1, 2, 3, 4], [2, 1, 4, 3]))
    #expect(abs(r - 0.6) < 1e-15)
  }

  @Test func affineRelationsGiveUnitMagnitude() throws {
    let x = (0..<50).map { Double($0) * 0.37 - 4 }
    #expect(abs(try #require(pearsonCorrelation(x, x.map { 3 * $0 + 1 })) - 1) < 1e-14)
    #expect(abs(try #require(pearsonCorrelation(x, x.map { -0.5 * $0 + 7 })) + 1) < 1e-14)
  }

  @Test func undefinedCasesAreNil() {
    #expect(pearsonCorrelation([1], [2]) == nil)
    #expect(pearsonCorrelation([1, 1, 1], [1, 2, 3]) == nil)
    #expect(pearsonCorrelation([1, 2, 3], [5, 5, 5]) == nil)
  }
}
