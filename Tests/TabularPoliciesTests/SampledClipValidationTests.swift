// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies
import Testing

/// The sampled update restated the PPO clip's domains (ε_low ∈ [0, 1], ε_high ≥ 0, c > 1) in its
/// own words. It now calls ``PPOClipWeighting/validate()`` and nests its ``InterventionError`` as
/// ``TabularPolicyError/Cause/intervention(_:)``, under the same argument names.
@Suite("SampledUpdate validates its clip with the PPO clip's own check")
struct SampledClipValidationTests {
  static let problem = try! TabularProblem.randomBandit(states: 1, actions: 3, seed: 1)

  @Test(arguments: [
    (0.2, 0.2, 1.0 as Double?, "dualClip"), (1.5, 0.2, nil, "clipLow"), (0.2, -1, nil, "clipHigh"), (.nan, 0.2, nil, "clipLow"),
  ])
  func aClipOutsideItsDomainNestsThePPOClipError(low: Double, high: Double, dual: Double?, argument: String) throws {
    var nested: InterventionError?
    do { try PPOClipWeighting(clipLow: low, clipHigh: high, dualClip: dual).validate() } catch { nested = error }
    let update = SampledUpdate(clipLow: low, clipHigh: high, dualClip: dual)
    do {
      _ = try TabularTrainer(environment: Self.problem.environment, initialLogits: Self.problem.initialLogits, rule: .sampled(update), learningRate: 0.1)
      Issue.record("accepted")
    } catch {
      #expect(error.argument == argument)
      #expect(error.cause == .intervention(nested!), "\(error)")
      #expect(error.description == nested!.description)
    }
  }
}
