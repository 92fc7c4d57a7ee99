// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import SoftmaxEntropy
import Testing

@Suite("StepReport from a policy and a step")
struct StepReportStepTests {
  @Test func aTokenStepCarriesItsPolaritySplitAndTrustRadius() throws {
    let policy = try SoftmaxPolicy(logits: [2, 1, 0, -1])
    let report = try StepReport(policy: policy, step: .sampledToken(1, advantage: -1, learningRate: 0.3), trustTolerance: 0.1)
    let split = try EntropyPolarity(policy: policy, token: 1, advantage: -1, learningRate: 0.3)
    #expect(report.rule == "token")
    #expect(report.logitStep == split.logitStep(for: policy))
    #expect(report.polarity == split.polarity && report.quadrant == split.quadrant.rawValue)
    // The radius is s* of the step at η = 1, which is |η|·s* of the η step up to rounding (the two
    // steps are computed separately): 1e-13 relative.
    #expect(abs(report.trustRadiusLR! - 0.3 * report.trustScale) <= 1e-13 * report.trustRadiusLR!)
  }

  @Test func aRawStepHasNoLearningRateAndNoSplit() throws {
    let policy = try SoftmaxPolicy(logits: [2, 1, 0])
    let report = try StepReport(policy: policy, step: .logitStep([0.5, -0.5, 0]), trustTolerance: 0.1)
    let change = try entropyChange(of: policy, logitStep: [0.5, -0.5, 0])
    #expect(report.rule == "delta" && report.trustRadiusLR == nil && report.polarity == nil)
    #expect(report.deltaActual == change.actual && report.deltaFirstOrder == change.firstOrder)
  }

  @Test func errorsNestTheirCause() throws {
    let policy = try SoftmaxPolicy(logits: [2, 1])
    #expect(throws: StepReportError.softmax(.lengthMismatch(name: "logit step", expected: 2, actual: 3))) {
      try StepReport(policy: policy, step: .logitStep([1, 0, 0]), trustTolerance: 0.1)
    }
    #expect(throws: StepReportError.softmax(.actionOutOfRange(index: 5, actions: 2))) {
      try StepReport(policy: policy, step: .sampledToken(5, advantage: 1, learningRate: 1), trustTolerance: 0.1)
    }
  }
}
