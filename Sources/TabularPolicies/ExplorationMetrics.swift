// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy

/// Exploration statistics of a tabular policy, weighted by the state weights d(s) of its
/// evaluation (fixed for bandits, the discounted visitation for MDPs):
///
///     p_s       = Σ_{a : Q(s,a) ≥ max_b Q(s,b) − τ_s} π(a|s)          (probability of a best action;
///                                                                       τ_s = 1e-12·max(1, |max_b Q(s,b)|))
///     pass@k    = Σ_s d(s) (1 − (1 − p_s)^k)                         (k independent samples, at least one best)
///     support   = Σ_s d(s) exp(H_s)                                   (effective support size)
///     support₁₀₋₃ = Σ_s d(s) #{a : π(a|s) ≥ 10⁻³}
///
/// For a bandit Q = r, so pass@k is the chance that k samples contain a maximal-reward arm; for an
/// MDP "best" means best under Q^π at each visited state. (1 − p)^k is computed as
/// exp(k·log1p(−p)), exact to rounding also for p near 0 or 1.
public struct ExplorationMetrics: Sendable, Equatable, Codable {
  /// The k of ``passAtK``.
  public static let ks = [1, 4, 16, 64]
  /// pass@k for k = 1, 4, 16, 64, keyed by "1", "4", "16", "64".
  public var passAtK: [String: Double]
  /// Σ_s d(s) exp(H_s).
  public var effectiveSupport: Double
  /// Σ_s d(s) #{a : π(a|s) ≥ 10⁻³}.
  public var supportAbove1e3: Double

  enum CodingKeys: String, CodingKey {
    case passAtK = "pass_at_k"
    case effectiveSupport = "effective_support"
    case supportAbove1e3 = "support_1e3"
  }

  /// pass@k of one state: 1 − (1 − p)^k.
  ///
  /// - Complexity: O(1).
  public static func passAtK(bestProbability p: Double, k: Int) -> Double {
    let q = min(max(p, 0), 1)
    return q >= 1 ? 1 : -Double.expMinusOne(Double(k) * Double.log(onePlus: -q))
  }

  /// The metrics of per-state policies under an evaluation.
  ///
  /// - Precondition: one policy and one action-value row per state weight.
  /// - Complexity: O(S K).
  public init(policies: [SoftmaxPolicy], evaluation: PolicyEvaluation) {
    precondition(policies.count == evaluation.stateWeights.count && policies.count == evaluation.actionValues.count)
    var pass = [Double](repeating: 0, count: Self.ks.count)
    var support = 0.0, counted = 0.0
    for (s, pi) in policies.enumerated() {
      let d = evaluation.stateWeights[s]
      let q = evaluation.actionValues[s]
      let best = q.max()!
      let tolerance = 1e-12 * max(1, abs(best))
      let p = compensatedSum(q.indices.lazy.filter { q[$0] >= best - tolerance }.map { pi.probabilities[$0] })
      for (j, k) in Self.ks.enumerated() { pass[j] += d * Self.passAtK(bestProbability: p, k: k) }
      support += d * Double.exp(pi.entropy)
      counted += d * Double(pi.probabilities.filter { $0 >= 1e-3 }.count)
    }
    passAtK = Dictionary(uniqueKeysWithValues: zip(Self.ks.map(String.init), pass))
    effectiveSupport = support
    supportAbove1e3 = counted
  }
}
