// DeltaH — entropy change of softmax policies.

import Testing
import _NumericsSupport

/// The shared quantile against numpy's default (`method="linear"`) on hand cases. The expected
/// values were printed by `numpy.quantile(values, q, method="linear")` (numpy 2.4) and checked by
/// hand from h = (n − 1)q. Tolerance 1e-12 relative: numpy interpolates from the nearer order
/// statistic (b − (b − a)(1 − t) for t ≥ ½), which can differ from a + t(b − a) in the last bits.
@Suite struct LinearQuantileTests {
  static let cases: [(values: [Double], level: Double, numpy: Double)] = [
    ([1, 2, 3, 4], 0, 1),
    ([1, 2, 3, 4], 0.25, 1.75),
    ([1, 2, 3, 4], 0.5, 2.5),
    ([1, 2, 3, 4], 0.75, 3.25),
    ([1, 2, 3, 4], 1, 4),
    ([10, 20, 30], 0.1, 12),
    ([10, 20, 30], 0.8, 26),
    ([7], 0, 7),
    ([7], 0.3, 7),
    ([7], 1, 7),
    ([1, 1, 2, 5], 0.9, 4.1000000000000005),
    ([1, 1, 2, 5], 0.5, 1.5),
    ([15, 20, 35, 40, 50], 0.4, 29),  // numpy.percentile(…, 40)
    ([10, 7, 4, 3, 2, 1], 0.5, 3.5),  // unsorted input, numpy's documentation example
    ([-3.5, 0.25, 1e-3], 0.99, 0.24502),
    ([-3.5, 0.25, 1e-3], 0.01, -3.42998),
  ]

  @Test(arguments: cases.indices)
  func matchesNumpyLinear(_ i: Int) {
    let c = Self.cases[i]
    let q = linearQuantiles(c.values, levels: [c.level])[0]
    #expect(abs(q - c.numpy) <= 1e-12 * max(1, abs(c.numpy)), "quantile(\(c.values), \(c.level)) = \(q), numpy \(c.numpy)")
    #expect(linearQuantile(sorted: c.values.sorted(), c.level) == q)
  }

  @Test func endpointsAreTheExtremesAndTheRuleIsMonotone() {
    let values: [Double] = [0.3, -2, 5, 5, 1e-9, 4]
    let sorted = values.sorted()
    #expect(linearQuantile(sorted: sorted, 0) == -2)
    #expect(linearQuantile(sorted: sorted, 1) == 5)
    let levels = (0...100).map { Double($0) / 100 }
    let q = linearQuantiles(values, levels: levels)
    #expect(zip(q, q.dropFirst()).allSatisfy { $0 <= $1 })
  }

  /// |r| ≤ 1 although rounding takes the quotient past it: these two points gave 1.0000000000000002
  /// (a sweep printed that Pearson), and deviations whose squared sums overflow or underflow gave
  /// r = 0 or ±∞ instead of 1.
  @Test func pearsonStaysInsideTheUnitIntervalAndSurvivesExtremeScales() throws {
    let x = [0.0938595867742349, 0.02834747652200631], y = [0.8357651039198697, 0.43276706790505337]
    #expect(try #require(pearsonCorrelationCoefficient(x, y)) == 1)
    #expect(try #require(pearsonCorrelationCoefficient(x, y.map { -$0 })) == -1)
    for scale in [1e200, 1e-200] {
      let big = [1.0, 2, 4].map { $0 * scale }
      #expect(abs(try #require(pearsonCorrelationCoefficient(big, [1, 2, 4])) - 1) <= 1e-15, "scale \(scale)")
      // Pearson of (1, 3, 2, 4) and (1, 2, 3, 4) is 0.8 at any scale of either vector.
      #expect(abs(try #require(pearsonCorrelationCoefficient([1.0, 3, 2, 4].map { $0 * scale }, [1, 2, 3, 4])) - 0.8) <= 1e-15)
    }
  }

  @Test func pearsonOfHandCases() throws {
    // r = 1 for an increasing affine image, −1 for a decreasing one, nil for a constant vector.
    #expect(try #require(pearsonCorrelationCoefficient([1, 2, 3], [5, 7, 9])) == 1)
    #expect(abs(try #require(pearsonCorrelationCoefficient([1, 2, 3], [3, 2, 1])) + 1) <= 1e-15)
    #expect(pearsonCorrelationCoefficient([1, 2, 3], [4, 4, 4]) == nil)
    #expect(pearsonCorrelationCoefficient([1], [2]) == nil)
    // numpy.corrcoef([1, 2, 3, 4], [1, 3, 2, 4])[0, 1] = 0.8 (Σxy-centred 4, Σx² 5, Σy² 5).
    #expect(abs(try #require(pearsonCorrelationCoefficient([1, 2, 3, 4], [1, 3, 2, 4])) - 0.8) <= 1e-15)
  }
}
