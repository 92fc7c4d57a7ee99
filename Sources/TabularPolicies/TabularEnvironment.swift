// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// An environment whose tabular softmax policy (one logit vector per state) can be evaluated
/// exactly.
public protocol TabularEnvironment: Sendable {
  /// S, the number of states.
  var stateCount: Int { get }
  /// K, the number of actions at every state.
  var actionCount: Int { get }
  /// γ ∈ [0, 1); 0 for bandits.
  var discount: Double { get }
  /// The exact evaluation of a policy given as one softmax per state.
  func evaluate(_ policies: [SoftmaxPolicy]) throws(TabularPolicyError) -> PolicyEvaluation
}

/// The exact value of a tabular policy.
///
///     bandit:  d(s) fixed,        Q(s, a) = r(s, a),                         J = Σ_s d(s) π_sᵀ r_s
///     MDP:     d(s) = d^π(s),     Q(s, a) = r(s, a) + γ Σ_s' P(s'|s,a) V(s'),   J = ρ₀ᵀ V
///
/// The advantage at a state is A(s, ·) = Q(s, ·) − π_sᵀ Q(s, ·).
public struct PolicyEvaluation: Sendable, Equatable {
  /// The state weights d(s) (Σ = 1): fixed for bandits, the normalised discounted visitation for
  /// MDPs.
  public let stateWeights: [Double]
  /// Q(s, a), the action values (the rewards for a bandit).
  public let actionValues: [[Double]]
  /// V(s) = π_sᵀ Q(s, ·).
  public let stateValues: [Double]
  /// J, the expected reward (bandit) or expected discounted return from ρ₀ (MDP).
  public let expectedReturn: Double

  public init(stateWeights: [Double], actionValues: [[Double]], stateValues: [Double], expectedReturn: Double) {
    self.stateWeights = stateWeights
    self.actionValues = actionValues
    self.stateValues = stateValues
    self.expectedReturn = expectedReturn
  }
}
