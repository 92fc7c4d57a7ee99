// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import SoftmaxEntropy
import Testing

/// The trust radius in η of a one-token step at a subnormal advantage. d = A·(e_y − π) rounded to
/// a zero step at A = ±5e-324 (A·½ = 0 in Double), whose radius read ∞ ("inf" with exit 0), while
/// every other A of that sign gives s*(u)/|A|: on the uniform pair, where the first-order
/// prediction of such a step is 0 and s*(u) = 0, that is 0 (as `--advantage 1e-200` printed).
@Suite("StepReport: the trust radius at a subnormal advantage")
struct StepReportSubnormalAdvantageTests {
  @Test(arguments: [Double("5e-324")!, -Double("5e-324")!, Double("1e-320")!, 1e-200, 1])
  func theRadiusOnTheUniformPairIsZeroAtEveryAdvantage(advantage: Double) throws {
    let policy = try SoftmaxPolicy(logits: [0, 0])
    let report = try StepReport(policy: policy, step: .sampledToken(0, advantage: advantage, learningRate: 1), trustTolerance: 0.1)
    #expect(report.trustRadiusLR == 0, "A = \(advantage): \(String(describing: report.trustRadiusLR))")
  }

  /// A = 0 is no step: every η is inside the radius.
  @Test func noAdvantageIsAnUnboundedRadius() throws {
    let policy = try SoftmaxPolicy(logits: [0, 0])
    let report = try StepReport(policy: policy, step: .sampledToken(0, advantage: 0, learningRate: 1), trustTolerance: 0.1)
    #expect(report.trustRadiusLR == .infinity)
  }

  /// An ordinary A keeps the bits of the radius computed from d itself (the new path runs only
  /// when that radius is ∞).
  @Test func anOrdinaryAdvantageIsUnchanged() throws {
    let policy = try SoftmaxPolicy(logits: [1, 0.3, 0])
    let report = try StepReport(policy: policy, step: .sampledToken(0, advantage: 0.7, learningRate: 0.1), trustTolerance: 0.1)
    let d = try EntropyPolarity(policy: policy, token: 0, advantage: 0.7, learningRate: 1).logitStep(for: policy)
    let size = d.map(abs).max()!
    let expected = try EntropyDynamics.trustScale(of: policy, logitStep: d.map { $0 / size }, tolerance: 0.1) / size
    #expect(report.trustRadiusLR == expected)
  }
}
