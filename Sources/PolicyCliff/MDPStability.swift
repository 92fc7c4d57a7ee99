// DeltaH — entropy change of softmax policies.

import FiniteMDP
import PolicyMargins

/// Policy-cliff quantities of a tabular MDP (docs/theory.md#ties-margins): per-state ties and margins of Q*, the
/// greedy stability radius, and the soft policy's Lipschitz constant.
///
///     δ_min = min_s δ(s)    (states where every action is tied do not constrain it)
///     greedy radius  = (1 − γ)·δ_min/2 if no state is tied, else 0
///     argmax-set radius = (1 − γ)·δ_min/2
///     TV Lipschitz   = 1/(2α(1 − γ))
public struct MDPStability: Sendable, Equatable {
  /// Q* (policy iteration).
  public let optimalQ: [[Double]]
  /// The ties and margin of Q*(s, ·) for each state.
  public let margins: [ActionMargin]
  /// The soft-optimal policy softmax(Q_α(s, ·)/α) for each state.
  public let softPolicy: [[Double]]
  /// α.
  public let alpha: Double
  /// γ.
  public let gamma: Double

  /// The analysis of `mdp` at temperature α, ties within τ (default: scale-aware per state,
  /// ``ActionMargin/defaultTolerance(for:)``).
  ///
  /// - Throws: `PolicyCliffError` for α ≤ 0 or when an iteration fails.
  /// - Complexity: one policy iteration and one soft value iteration.
  public init(mdp: TabularMDP, alpha: Double, tolerance: Double? = nil) throws(PolicyCliffError) {
    try requireTemperature(alpha)
    do {
      optimalQ = try mdp.optimalQ(method: .policyIteration)
    } catch {
      throw Self.policyCliffError(error)
    }
    var m: [ActionMargin] = []
    for row in optimalQ { m.append(try ActionMargin(values: row, tolerance: tolerance)) }
    margins = m
    do {
      softPolicy = try mdp.softPolicy(alpha: alpha)
    } catch {
      throw Self.policyCliffError(error)
    }
    self.alpha = alpha
    gamma = mdp.discount
  }

  /// The finite-MDP failure as this module's error: a rejected argument stays a rejected
  /// argument, a failed iteration or solve is a non-convergence.
  private static func policyCliffError(_ error: FiniteMDPError) -> PolicyCliffError {
    switch error {
    case .invalidArgument, .softmax: return .invalidArgument(error.description)
    case .didNotConverge, .linearAlgebra: return .didNotConverge(error.description)
    }
  }

  /// δ_min over the states (∞ when every state is all-tied).
  ///
  /// - Complexity: O(S).
  public var minimumMargin: Double { margins.map(\.margin).min() ?? .infinity }

  /// Whether some state has ≥ 2 optimal actions.
  ///
  /// - Complexity: O(S).
  public var hasTie: Bool { margins.contains { $0.isTie } }

  /// The greedy stability radius: (1 − γ)·δ_min/2, or 0 when some state is tied.
  ///
  /// - Complexity: O(S).
  public var greedyStabilityRadius: Double { hasTie ? 0 : argmaxSetStabilityRadius }

  /// (1 − γ)·δ_min/2: below it no state's argmax set changes.
  ///
  /// - Complexity: O(S).
  public var argmaxSetStabilityRadius: Double { (1 - gamma) * minimumMargin / 2 }

  /// 1/(2α(1 − γ)).
  ///
  /// - Complexity: O(1).
  public var lipschitzTV: Double { 1 / (2 * alpha * (1 - gamma)) }
}
