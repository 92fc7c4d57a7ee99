// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The exact (expected) logit update of a tabular softmax policy for one state, with
/// advantages A = r − (πᵀr)·1 (so E_π[A] = 0):
///
///     policy gradient (PG):           Δz = η · π ⊙ A          (Cui et al. Prop. 1 / Thm 1)
///     natural policy gradient (NPG):  Δz = η · A              (Cui et al. Thm 2)
///
/// The rules act on the raw logits z; with a temperature T the policy's logits move by Δz/T.
public enum PolicyGradientRule: String, Sendable, CaseIterable {
  /// Vanilla policy gradient, Δz = η π ⊙ A.
  case policyGradient = "pg"
  /// Natural policy gradient, Δz = η A.
  case naturalPolicyGradient = "npg"

  /// The logit step of this rule for the given rewards and learning rate η, with A = r − (πᵀr)·1.
  /// η is not checked (a non-finite η gives a non-finite step).
  ///
  /// - Throws: `SoftmaxError` when the rewards have the wrong length or a non-finite element, or
  ///   `.invalidArgument` when their spread overflows Double (see ``SoftmaxPolicy/advantages(_:)``).
  /// - Complexity: O(K).
  public func logitStep(
    for policy: SoftmaxPolicy, rewards: [Double], learningRate: Double
  ) throws(SoftmaxError) -> [Double] {
    let a = try policy.advantages(rewards)
    return logitStep(for: policy, advantages: a, learningRate: learningRate)
  }

  /// The logit step of this rule for given advantages A (used as they are, not re-centred; neither
  /// A nor η is checked for finiteness).
  ///
  /// - Precondition: `advantages.count == policy.actionCount`.
  /// - Complexity: O(K).
  public func logitStep(
    for policy: SoftmaxPolicy, advantages: [Double], learningRate: Double
  ) -> [Double] {
    precondition(advantages.count == policy.actionCount, "advantages have \(advantages.count) elements, policy has \(policy.actionCount) actions")
    switch self {
    case .policyGradient:
      return zip(policy.probabilities, advantages).map { learningRate * $0 * $1 }
    case .naturalPolicyGradient:
      return advantages.map { learningRate * $0 }
    }
  }

  /// The closed-form first-order entropy change of this rule at one state:
  ///
  ///     PG:   ΔH ≈ −(η/T) Cov_π(log π, π ⊙ A)
  ///     NPG:  ΔH ≈ −(η/T) Cov_π(log π, A)
  ///
  /// A is used as given (not re-centred; the covariance centres it anyway); η is not checked.
  ///
  /// - Throws: `SoftmaxError` when the advantages have the wrong length or a non-finite element.
  /// - Complexity: O(K).
  public func firstOrderEntropyChange(
    of policy: SoftmaxPolicy, advantages: [Double], learningRate: Double
  ) throws(SoftmaxError) -> Double {
    guard advantages.count == policy.actionCount else {
      throw .lengthMismatch(name: "advantages", expected: policy.actionCount, actual: advantages.count)
    }
    for (i, v) in advantages.enumerated() where !v.isFinite {
      throw .nonFiniteInput(name: "advantages", index: i, value: v)
    }
    let direction: [Double]
    switch self {
    case .policyGradient: direction = zip(policy.probabilities, advantages).map { $0 * $1 }
    case .naturalPolicyGradient: direction = advantages
    }
    return 0 - learningRate / policy.temperature * policy.covariance(policy.logProbabilities, direction)  // 0 − x: not −0
  }
}
