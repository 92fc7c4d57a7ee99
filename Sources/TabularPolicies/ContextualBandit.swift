// DeltaH — entropy change of softmax policies.

import GSLSupport
import SoftmaxEntropy

/// A contextual bandit with S states, K arms, deterministic rewards r(s, a) and fixed state
/// weights d(s) (Σ d = 1); S = 1 is the K-armed bandit.
///
///     J(π) = Σ_s d(s) Σ_a π(a|s) r(s, a)
public struct ContextualBandit: TabularEnvironment, Equatable {
  /// r(s, a).
  public let rewards: [[Double]]
  /// d(s).
  public let stateWeights: [Double]

  /// S, the number of states.
  ///
  /// - Complexity: O(1).
  public var stateCount: Int { rewards.count }
  /// K, the number of arms (every state has K).
  ///
  /// - Complexity: O(1).
  public var actionCount: Int { rewards[0].count }
  /// γ = 0: a bandit has no next state.
  public var discount: Double { 0 }

  /// - Parameters:
  ///   - rewards: one reward vector per state, all of the same length K ≥ 1, finite, with a finite
  ///     spread max − min (so that every advantage r − πᵀr is finite).
  ///   - stateWeights: d(s) ≥ 0 summing to 1; uniform when nil.
  /// - Throws: `TabularPolicyError` naming the argument that is malformed.
  /// - Complexity: O(S K).
  public init(rewards: [[Double]], stateWeights: [Double]? = nil) throws(TabularPolicyError) {
    try require(!rewards.isEmpty, "rewards", "need at least one state")
    let k = rewards[0].count
    try require(k >= 1, "rewards", "need at least one arm")
    for (s, r) in rewards.enumerated() {
      try require(r.count == k, "rewards", "state \(s) has \(r.count) arms, state 0 has \(k)")
      try requireFinite(r, "rewards[\(s)]")
      // The advantages r − πᵀr of any policy lie within the spread max r − min r: it must be finite.
      let (low, high) = (r.min()!, r.max()!)
      try require(
        (high - low).isFinite, "rewards[\(s)]",
        "\(high) and \(low) differ by more than Double's range (1.8e308): the advantages r − πᵀr overflow; shift or rescale the rewards")
    }
    let w = stateWeights ?? Array(repeating: 1 / Double(rewards.count), count: rewards.count)
    try require(w.count == rewards.count, "stateWeights", "has \(w.count) entries for \(rewards.count) states")
    if stateWeights != nil { try requireDistribution(w, "stateWeights") }
    self.rewards = rewards
    self.stateWeights = w
  }

  /// A K-armed bandit (one state).
  ///
  /// - Throws: `TabularPolicyError` for an empty or non-finite reward vector, or one whose spread
  ///   max − min overflows Double.
  /// - Complexity: O(K).
  public init(rewards: [Double]) throws(TabularPolicyError) {
    try self.init(rewards: [rewards])
  }

  /// A random contextual bandit: r(s, a) ~ U(0, 1) drawn state by state, arm by arm, from the
  /// generator (mt19937 `gsl_rng_uniform`), uniform state weights.
  ///
  /// - Throws: `TabularPolicyError` unless S, K ≥ 1 and S × K ≤ ``TabularProblem/maximumLogits``
  ///   (refused before drawing).
  /// - Complexity: O(S K).
  public static func random(states: Int, actions: Int, generator: MersenneTwister) throws(TabularPolicyError) -> ContextualBandit {
    try require(states >= 1, "states", "must be ≥ 1, got \(states)")
    try require(actions >= 1, "actions", "must be ≥ 1, got \(actions)")
    let (logits, overflow) = states.multipliedReportingOverflow(by: actions)
    try require(
      !overflow && logits <= TabularProblem.maximumLogits, "states × actions",
      "\(states) × \(actions) is too large: at most \(TabularProblem.maximumLogits) rewards in all")
    return try ContextualBandit(
      rewards: (0..<states).map { _ in (0..<actions).map { _ in generator.uniform() } })
  }

  /// d fixed, Q = r, V(s) = π_sᵀ r_s, J = Σ_s d(s) V(s).
  ///
  /// - Throws: `TabularPolicyError` naming `policies` when their count is not the state count.
  /// - Complexity: O(S K).
  public func evaluate(_ policies: [SoftmaxPolicy]) throws(TabularPolicyError) -> PolicyEvaluation {
    try require(policies.count == stateCount, "policies", "has \(policies.count) states, bandit has \(stateCount)")
    let values = (0..<stateCount).map { policies[$0].expectation(rewards[$0]) }
    return PolicyEvaluation(
      stateWeights: stateWeights, actionValues: rewards, stateValues: values,
      expectedReturn: compensatedDot(stateWeights, values))
  }
}
