// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// How an exact policy-gradient step is scaled across the states of a tabular policy.
public enum StateStepScaling: Sendable, Equatable {
  /// The paper's per-state form (Cui et al. Prop. 1 / Thm 2): every state takes the one-state
  /// step, Δz_s = η π_s ⊙ A_s (PG) or η A_s (NPG).
  case perState
  /// The true gradient of J = Σ_s d(s) V(s) with discounted visitation (γ = 0 for a contextual
  /// bandit):
  ///
  ///     PG:   Δz_s = η · d(s)/(1−γ) · π_s ⊙ A_s
  ///     NPG:  Δz_s = η · A_s / (1−γ)                 (Kakade's Fisher blockdiag(d(s) F_s))
  case visitationWeighted(discount: Double)
}

/// The entropy change of an exact PG/NPG step on a tabular softmax policy with several states.
///
/// Per state s the step and its entropy change are those of ``EntropyChange``; the policy-level
/// figures weight them by the fixed state weights d(s) (Σ d = 1):
///
///     ΔH̄ = Σ_s d(s) ΔH_s,     ΔH̄₁ = Σ_s d(s) [−Cov_{π_s}(log π_s, Δz_s/T)]
///
/// The weighted first-order figure is exact to first order only while d(s) does not move (a fixed
/// prompt set), not for on-policy visitation.
public struct MultiStateEntropyChange: Sendable, Equatable {
  /// Per-state changes, in state order.
  public let states: [EntropyChange]
  /// The state weights d(s).
  public let weights: [Double]

  /// Σ_s d(s) ΔH_s, with ΔH_s each state's ``EntropyChange/actual`` (formed without subtracting
  /// entropies for a small step, so it can differ from `entropyAfter − entropyBefore` in the last
  /// bits). All five weighted figures use a compensated sum; complexity O(S).
  ///
  /// - Complexity: O(S).
  public var actual: Double { weighted(\.actual) }
  /// Σ_s d(s) × first-order ΔH_s.
  ///
  /// - Complexity: O(S).
  public var firstOrder: Double { weighted(\.firstOrder) }
  /// Σ_s d(s) × second-order ΔH_s.
  ///
  /// - Complexity: O(S).
  public var secondOrder: Double { weighted(\.secondOrder) }
  /// Σ_s d(s) H_before(s).
  ///
  /// - Complexity: O(S).
  public var entropyBefore: Double { weighted(\.entropyBefore) }
  /// Σ_s d(s) H_after(s).
  ///
  /// - Complexity: O(S).
  public var entropyAfter: Double { weighted(\.entropyAfter) }

  private func weighted(_ value: KeyPath<EntropyChange, Double>) -> Double {
    compensatedSum(zip(weights, states).lazy.map { $0 * $1[keyPath: value] })
  }

  /// The policy-level change of per-state changes `states` (a trainer's own steps) under the
  /// fixed state weights d(s), taken as given: a policy evaluation's discounted visitation sums
  /// to 1 only up to the rounding of its linear solve, so the sum is not checked here.
  ///
  /// - Throws: `SoftmaxError` unless there is one weight per state, each finite and ≥ 0.
  /// - Complexity: O(S).
  public init(states: [EntropyChange], weights: [Double]) throws(SoftmaxError) {
    guard states.count == weights.count, !states.isEmpty else {
      throw .invalidArgument("need one weight per state: \(states.count) states, \(weights.count) weights")
    }
    guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
      throw .invalidArgument("state weights d(s) must be finite and non-negative")
    }
    self.states = states
    self.weights = weights
  }

  private static func checkWeights(_ weights: [Double]) throws(SoftmaxError) {
    guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(compensatedSum(weights) - 1) <= 1e-12 else {
      throw .invalidArgument("state weights d(s) must be non-negative and sum to 1, got sum \(compensatedSum(weights))")
    }
  }

  /// Applies `rule` at every state and measures the entropy change.
  ///
  /// - Parameters:
  ///   - policies: One softmax policy per state.
  ///   - weights: d(s) ≥ 0 with Σ d(s) = 1 (to 1e-12).
  ///   - rewards: r(s, ·) per state; the advantages are A_s = r_s − π_sᵀ r_s.
  ///   - rule: PG or NPG.
  ///   - learningRate: η.
  ///   - scaling: the paper's per-state form or the visitation-weighted true gradient.
  /// - Throws: `SoftmaxError` for mismatched sizes, invalid weights or discount, non-finite input.
  /// - Complexity: O(Σ_s K_s).
  public init(
    policies: [SoftmaxPolicy], weights: [Double], rewards: [[Double]],
    rule: PolicyGradientRule, learningRate: Double, scaling: StateStepScaling
  ) throws(SoftmaxError) {
    guard policies.count == weights.count, policies.count == rewards.count, !policies.isEmpty else {
      throw .invalidArgument(
        "need one weight and one reward vector per state: \(policies.count) policies, \(weights.count) weights, \(rewards.count) reward vectors")
    }
    try Self.checkWeights(weights)
    var states: [EntropyChange] = []
    states.reserveCapacity(policies.count)
    for s in policies.indices {
      let policy = policies[s]
      let advantages = try policy.advantages(rewards[s])
      let scale: Double
      switch scaling {
      case .perState:
        scale = 1
      case .visitationWeighted(let gamma):
        guard gamma >= 0, gamma < 1 else {
          throw .invalidArgument("discount γ must be in [0, 1), got \(gamma)")
        }
        scale = rule == .policyGradient ? weights[s] / (1 - gamma) : 1 / (1 - gamma)
      }
      let step = rule.logitStep(for: policy, advantages: advantages, learningRate: learningRate * scale)
      states.append(try entropyChange(of: policy, logitStep: step))
    }
    self.states = states
    self.weights = weights
  }
}
