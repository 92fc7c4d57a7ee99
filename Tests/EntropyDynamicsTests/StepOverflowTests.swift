// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import SoftmaxEntropy
import Testing

/// A finite η and a finite advantage whose product overflows Double: the step failed with
/// "logit step[0] is inf; it must be finite" (the library's step, not the η and A that formed
/// it). It is refused as ``StepReportError/stepOverflow(learningRate:advantage:)``, naming both.
@Suite("StepReport names η and A when their step overflows")
struct StepOverflowTests {
  @Test func aTokenStepWhoseStepSizeOverflowsNamesEtaAndTheAdvantage() throws {
    let policy = try SoftmaxPolicy(logits: [1, 2])
    let error = StepReportError.stepOverflow(learningRate: 1e308, advantage: 10)
    #expect(throws: error) {
      try StepReport(policy: policy, step: .sampledToken(0, advantage: 10, learningRate: 1e308), trustTolerance: 0.1)
    }
    #expect(error.description.contains("learning rate η = 1e+308 with advantage A = 10.0"))
    #expect(!error.description.contains("--"))
    // A negative advantage overflows to −∞: the same refusal.
    #expect(throws: StepReportError.stepOverflow(learningRate: 1e308, advantage: -10)) {
      try StepReport(policy: policy, step: .sampledToken(1, advantage: -10, learningRate: 1e308), trustTolerance: 0.1)
    }
  }

  /// PG and NPG name the advantage A_i = r_i − πᵀr of the first element that overflows.
  @Test(arguments: PolicyGradientRule.allCases)
  func aPolicyGradientStepThatOverflowsNamesEtaAndTheAdvantage(rule: PolicyGradientRule) throws {
    let policy = try SoftmaxPolicy(logits: [1, 2])
    let advantages = try policy.advantages([10, 0])
    #expect(throws: StepReportError.stepOverflow(learningRate: 1e308, advantage: advantages[0])) {
      try StepReport(policy: policy, step: .policyGradient(rule, rewards: [10, 0], learningRate: 1e308), trustTolerance: 0.1)
    }
  }

  /// η·A finite but the second-order term (Δz/T)ᵀ∇²H(Δz/T) overflows: the result was "not
  /// finite: the logits or the step are too large", naming neither; it names η and A now (for
  /// PG/NPG the advantage of largest magnitude).
  @Test func aStepWhoseResultOverflowsNamesEtaAndTheAdvantage() throws {
    let policy = try SoftmaxPolicy(logits: [1, 2])
    #expect(throws: StepReportError.stepOverflow(learningRate: 1e308, advantage: 1)) {
      try StepReport(policy: policy, step: .sampledToken(0, advantage: 1, learningRate: 1e308), trustTolerance: 0.1)
    }
    let advantages = try policy.advantages([1, 0])
    let largest = abs(advantages[0]) >= abs(advantages[1]) ? advantages[0] : advantages[1]
    for rule in PolicyGradientRule.allCases {
      #expect(throws: StepReportError.stepOverflow(learningRate: 1e300, advantage: largest)) {
        try StepReport(policy: policy, step: .policyGradient(rule, rewards: [1, 0], learningRate: 1e300), trustTolerance: 0.1)
      }
    }
    // A raw step has no η: the result is reported as not finite.
    #expect(throws: StepReportError.notFinite) {
      try StepReport(policy: policy, step: .logitStep([1e300, -1e300]), trustTolerance: 0.1)
    }
  }

  /// Errors that are not an overflow of η·A keep their own case: an action out of range is named
  /// as such even when η·A overflows, and a finite step is not refused.
  @Test func otherStepsAreUnchanged() throws {
    let policy = try SoftmaxPolicy(logits: [1, 2])
    #expect(throws: StepReportError.softmax(.actionOutOfRange(index: 2, actions: 2))) {
      try StepReport(policy: policy, step: .sampledToken(2, advantage: 10, learningRate: 1e308), trustTolerance: 0.1)
    }
    let report = try StepReport(policy: policy, step: .sampledToken(0, advantage: 1e-300, learningRate: 1e300), trustTolerance: 0.1)
    #expect(report.polarity!.isFinite)
  }
}
