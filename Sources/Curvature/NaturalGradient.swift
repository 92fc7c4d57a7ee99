// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// Minimum-norm natural gradients F⁺∇J of tabular softmax policies (docs/theory.md#natural-gradient).
///
/// F = diag(π) − ππᵀ has null space span(1), so F x = g has a solution only for 1ᵀg = 0, and then
/// every x = g ⊘ π + c·1 solves it (F(g ⊘ π) = g − π(1ᵀg) = g). The minimum-norm solution is the
/// one orthogonal to 1:
///
///     F⁺ g = P (g ⊘ π),   P = I − 11ᵀ/K
///
/// For a bandit, ∇J = π ⊙ (r − πᵀr), so F⁺∇J = r − mean(r)·1 (mean over actions, not under π).
public enum NaturalGradient {
  /// The bandit natural gradient F⁺∇J = r − mean(r)·1.
  ///
  /// - Throws: `CurvatureError.invalidArgument` when r has the wrong length or a non-finite element.
  /// - Complexity: O(K).
  public static func minimumNorm(policy: SoftmaxPolicy, rewards: [Double]) throws(CurvatureError) -> [Double] {
    try checkVector(rewards, policy.actionCount, "rewards")
    return centredOnUniformMean(rewards)
  }

  /// The minimum-norm solution of F x = g for a gradient g in the range of F (1ᵀg = 0).
  ///
  /// - Throws: `CurvatureError.invalidArgument` when g has the wrong length, a non-finite element,
  ///   is not orthogonal to 1 (|Σg| > 1e-12·Σ|g|: not a logit-space gradient), or has gᵢ ≠ 0 where
  ///   πᵢ underflowed to 0 (then xᵢ = gᵢ/πᵢ is not representable; pass the rewards instead).
  /// - Complexity: O(K).
  public static func minimumNorm(policy: SoftmaxPolicy, gradient g: [Double]) throws(CurvatureError) -> [Double] {
    try checkVector(g, policy.actionCount, "gradient")
    let total = compensatedSum(g)
    let size = compensatedSum(g.lazy.map(abs))
    guard abs(total) <= 1e-12 * size else {
      throw .invalidArgument("the gradient sums to \(total), not 0; F x = g has no solution (g ∉ range F = 1^⊥)")
    }
    var ratio = [Double](repeating: 0, count: g.count)
    for (i, p) in policy.probabilities.enumerated() {
      if p > 0 {
        ratio[i] = g[i] / p
      } else if g[i] != 0 {
        throw .invalidArgument("π[\(i)] underflows to 0 while g[\(i)] = \(g[i]); use minimumNorm(policy:rewards:)")
      }
    }
    return centredOnUniformMean(ratio)
  }

  /// The natural gradient of a tabular policy with several states and state weights d(s):
  /// F = blockdiag(d(s) F_s), ∇J_s = d(s) π_s ⊙ A_s, so per state
  ///
  ///     (F⁺∇J)_s = r_s − mean(r_s)·1   if d(s) > 0,     0 if d(s) = 0
  ///
  /// - Throws: `CurvatureError.invalidArgument` for mismatched counts, invalid weights or rewards.
  /// - Complexity: O(Σ_s K_s).
  public static func minimumNorm(
    policies: [SoftmaxPolicy], rewards: [[Double]], stateWeights: [Double]
  ) throws(CurvatureError) -> [[Double]] {
    guard policies.count == rewards.count, policies.count == stateWeights.count else {
      throw .invalidArgument("\(policies.count) policies, \(rewards.count) reward rows and \(stateWeights.count) state weights")
    }
    var result: [[Double]] = []
    for s in policies.indices {
      let d = stateWeights[s]
      guard d.isFinite, d >= 0 else { throw .invalidArgument("state weight \(s) is \(d); it must be finite and ≥ 0") }
      let x = try minimumNorm(policy: policies[s], rewards: rewards[s])
      result.append(d > 0 ? x : Array(repeating: 0, count: x.count))
    }
    return result
  }

  private static func centredOnUniformMean(_ v: [Double]) -> [Double] {
    let mean = compensatedSum(v) / Double(v.count)
    return v.map { $0 - mean }
  }
}

func checkVector(_ v: [Double], _ count: Int, _ name: String) throws(CurvatureError) {
  guard v.count == count else {
    throw .invalidArgument("\(name) has \(v.count) elements but the policy has \(count) actions")
  }
  for (i, x) in v.enumerated() where !x.isFinite {
    throw .invalidArgument("\(name)[\(i)] is \(x); it must be finite")
  }
}
