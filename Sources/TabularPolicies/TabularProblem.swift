// DeltaH — entropy change of softmax policies.

import GSLSupport

/// A tabular environment with the initial logits of a run, as `deltah bandit`, `mdp` and `sweep`
/// set them up: explicit one-state rewards, or a random bandit or MDP drawn from one seeded GSL
/// mt19937 stream (the environment first, then z₀(s, a) ~ N(0, 1) state by state).
public struct TabularProblem: Sendable, CustomStringConvertible {
  /// The bandit or MDP.
  public let environment: any TabularEnvironment
  /// z₀(s, ·), one vector per state.
  public let initialLogits: [[Double]]
  /// The problem in words, as run summaries and sweep captions name it: "3-armed bandit, r =
  /// 1,0,0.5" (the rewards listed up to K = 16), "random 4-armed bandit, seed 7", "random contextual bandit, 3 states × 4 arms, seed 7",
  /// "random MDP, 5 states × 3 actions, γ = 0.9, seed 0".
  public let description: String

  /// A one-state bandit with rewards r and initial logits z₀ (nil: zeros).
  ///
  /// - Throws: `TabularPolicyError` for non-finite rewards or a logit count that differs from K.
  /// - Complexity: O(K).
  public static func bandit(rewards: [Double], initialLogits: [Double]? = nil) throws(TabularPolicyError) -> TabularProblem {
    let bandit = try ContextualBandit(rewards: rewards)
    let logits = initialLogits ?? Array(repeating: 0, count: rewards.count)
    try require(logits.count == rewards.count, "initialLogits", "has \(logits.count) values but the rewards have \(rewards.count)")
    let listed = rewards.count <= 16 ? ", r = " + rewards.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : "\($0)" }.joined(separator: ",") : ""
    return TabularProblem(environment: bandit, initialLogits: [logits], description: "\(rewards.count)-armed bandit\(listed)")
  }

  /// A random contextual bandit: r(s, a) ~ U(0, 1), then z₀(s, a) ~ N(0, 1), from mt19937(`seed`).
  ///
  /// - Throws: `TabularPolicyError` unless S, K ≥ 1.
  /// - Complexity: O(S K).
  public static func randomBandit(states: Int, actions: Int, seed: UInt64) throws(TabularPolicyError) -> TabularProblem {
    let generator = MersenneTwister(seed: seed)
    let bandit = try ContextualBandit.random(states: states, actions: actions, generator: generator)
    let shape = states == 1 ? "\(actions)-armed bandit" : "contextual bandit, \(states) states × \(actions) arms"
    return TabularProblem(
      environment: bandit, initialLogits: gaussianLogits(states: states, actions: actions, generator),
      description: "random \(shape), seed \(seed)")
  }

  /// The random MDP of ``TabularMDP/random(states:actions:discount:generator:)`` (r ~ U(0, 1),
  /// P(·|s, a) ~ Dirichlet(1), uniform ρ₀), then z₀(s, a) ~ N(0, 1), from mt19937(`seed`).
  ///
  /// - Throws: `FiniteMDPError` unless S, K ≥ 1 and γ ∈ [0, 1).
  /// - Complexity: O(S² K).
  public static func randomMDP(states: Int, actions: Int, discount: Double, seed: UInt64) throws(FiniteMDPError) -> TabularProblem {
    let generator = MersenneTwister(seed: seed)
    let mdp = try TabularMDP.random(states: states, actions: actions, discount: discount, generator: generator)
    return TabularProblem(
      environment: mdp, initialLogits: gaussianLogits(states: states, actions: actions, generator),
      description: "random MDP, \(states) states × \(actions) actions, γ = \(discount), seed \(seed)")
  }

  private static func gaussianLogits(states: Int, actions: Int, _ generator: MersenneTwister) -> [[Double]] {
    (0..<states).map { _ in (0..<actions).map { _ in generator.gaussian() } }
  }
}

extension TabularProblem {
  /// The most update steps a run may record (every step keeps a record): 10⁷.
  public static let maximumSteps = 10_000_000
  /// The most logits S × K of a problem (S² × K for an MDP, whose transitions hold S × K × S
  /// probabilities): 2²².
  public static let maximumLogits = 1 << 22
  /// The most logit updates, steps × logits, of one run: 2³⁰.
  public static let maximumLogitUpdates = 1 << 30
  /// The most states of a random MDP (dense S × K × S transitions, an S × S solve per step): 4096.
  public static let maximumMDPStates = 4096
  /// The most actions of a random MDP: 2¹⁶.
  public static let maximumMDPActions = 1 << 16
  /// The most samples per state G of a sampled rule: 2²⁰.
  public static let maximumSamplesPerState = 1 << 20
  /// The most PPO epochs per batch: 10⁴.
  public static let maximumEpochs = 10_000
}
