// DeltaH — entropy change of softmax policies.

import DeltaHKit
import Testing

/// `import DeltaHKit` alone reaches every public module (the test target depends on nothing else).
@Suite struct UmbrellaTests {
  @Test func everyPublicModuleIsReachable() throws {
    let policy = try SoftmaxPolicy(logits: [2, 1, 0, -1])  // SoftmaxEntropy
    let h: Matrix = policy.entropyHessian()  // DenseMatrix
    #expect(h.rows == 4)
    #expect(h.multiplied(by: [1, 1, 1, 1]).allSatisfy { abs($0) < 1e-12 })  // DenseLinearAlgebra: ∇²H·1 = 0
    let mdp = try TabularMDP(rewards: [[1, 0]], transitions: [[[1], [1]]], discount: 0.5)  // FiniteMDP
    #expect(try mdp.optimalQ()[0][0] == 2)  // Q* = 1 + γ·Q*
    #expect(try ActionMargin(values: [1, 0]).margin == 1)  // PolicyMargins
    _ = MersenneTwister(seed: 1)  // GSLSupport
    _ = PolicyGradientRule.self  // EntropyDynamics
    _ = ForkingTokenMask.self  // EntropyInterventions
    _ = PositionCurvature.self  // Curvature
    _ = MDPStability.self  // PolicyCliff
    _ = TabularTrainer.self  // TabularPolicies
    _ = LogitDump.self  // LogitDumps
    _ = LogitKernelPath.allCases  // LogitKernels
    _ = PositionTable.self  // DumpAnalysis
    _ = ReportTable.self  // Reports
    _ = LawInput.self  // EntropyPerformanceLaw (missing from the umbrella until round 8)
  }
}
