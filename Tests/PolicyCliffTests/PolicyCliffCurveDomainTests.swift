// DeltaH — entropy change of softmax policies.

import PolicyCliff
import Testing

/// The perturbation sizes of the cliff curve are checked by its throwing initialiser. Before, a
/// count below 2 or sizes not ordered 0 < smallest < largest trapped (a precondition) instead of
/// throwing.
@Suite("PolicyCliffCurve refuses perturbation sizes outside their domain")
struct PolicyCliffCurveDomainTests {
  @Test(arguments: [(1e-4, 1.0, 1), (0.0, 1.0, 17), (1.0, 1.0, 17), (1.0, 0.5, 17), (.nan, 1.0, 17), (1e-4, .infinity, 17)])
  func refused(smallest: Double, largest: Double, count: Int) {
    #expect(throws: PolicyCliffError.self) {
      _ = try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1, smallest: smallest, largest: largest, count: count)
    }
  }

  @Test func theDefaultsRun() throws {
    #expect(try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1, count: 2).epsilons == [1e-4, 1])
  }

  /// A count too large to evaluate is refused before anything is allocated (before: Int.max
  /// aborted allocating the sizes).
  @Test(arguments: [Int.max, PolicyCliffCurve.maximumSizes + 1])
  func aCountTooLargeIsRefused(count: Int) {
    #expect(throws: PolicyCliffError.self) { _ = try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1, count: count) }
  }

  @Test func theWorkBoundCountsTheActions() {
    let values = [Double](repeating: 0, count: 1 << 10)
    #expect(throws: PolicyCliffError.self) { _ = try PolicyCliffCurve(values: values, alpha: 0.1, count: (1 << 18) + 1) }
  }
}
