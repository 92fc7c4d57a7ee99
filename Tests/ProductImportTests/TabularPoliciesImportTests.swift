// DeltaH — entropy change of softmax policies.

// This file imports TabularPolicies alone (file-scoped imports), as a package that depends on the
// `TabularPolicies` product only.
import TabularPolicies
import Testing

@Suite struct TabularPoliciesImportTests {
  /// A run is configured with EntropyIntervention (EntropyInterventions) and the trust tolerance of
  /// EntropyChange (EntropyDynamics), and its records are SoftmaxPolicy values (SoftmaxEntropy):
  /// all re-exported. Before the re-export this file did not compile ("cannot find
  /// 'EntropyIntervention' in scope").
  @Test func trainABanditFromOneImport() throws {
    let bandit = try TabularProblem.bandit(rewards: [1, 0, 0.5])
    let configuration = TrainingConfiguration(
      rule: .policyGradient, intervention: EntropyIntervention.Kind.none, learningRate: 0.5, steps: 20,
      trustTolerance: EntropyChange.defaultTrustTolerance)
    let report = try bandit.train(configuration, problemSeed: 0)
    #expect(report.summary.stepCount == 20)
    #expect(report.summary.initialEntropy > report.summary.finalEntropy)  // exact PG on a bandit sharpens π
    let uniform = try SoftmaxPolicy(logits: [0, 0, 0])
    #expect(abs(report.summary.initialEntropy - uniform.entropy) < 1e-15)  // z₀ = 0: H = log 3
  }
}
