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
  /// - Throws: ``MDPStabilityError/policyCliff(_:)`` for α ≤ 0 or an invalid tolerance,
  ///   ``MDPStabilityError/finiteMDP(_:)`` when Q* or the soft policy cannot be computed (an
  ///   iteration or a solve fails).
  /// - Complexity: one policy iteration and one soft value iteration.
  public init(mdp: TabularMDP, alpha: Double, tolerance: Double? = nil) throws(MDPStabilityError) {
    do throws(PolicyCliffError) { try requireTemperature(alpha) } catch { throw .policyCliff(error) }
    do throws(FiniteMDPError) { optimalQ = try mdp.optimalQ(method: .policyIteration) } catch { throw .finiteMDP(error) }
    var m: [ActionMargin] = []
    do throws(PolicyCliffError) {
      for row in optimalQ { m.append(try ActionMargin(values: row, tolerance: tolerance)) }
    } catch {
      throw .policyCliff(error)
    }
    margins = m
    do throws(FiniteMDPError) { softPolicy = try mdp.softPolicy(alpha: alpha) } catch { throw .finiteMDP(error) }
    self.alpha = alpha
    gamma = mdp.discount
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

  /// 1/(2α(1 − γ)), evaluated as (½/(1 − γ))/α as ``SoftPolicyStability/lipschitzTV`` is (no
  /// overflow of 2α for α > 9e307).
  ///
  /// - Complexity: O(1).
  public var lipschitzTV: Double { 0.5 / (1 - gamma) / alpha }
}

/// Why the policy-cliff analysis of an MDP failed, with the error of the layer that failed nested
/// (its one-line wording is this error's).
public enum MDPStabilityError: Error, Equatable, CustomStringConvertible {
  /// A rejected argument (α ≤ 0, an invalid tolerance).
  case policyCliff(PolicyCliffError)
  /// Q* or the soft policy could not be computed (a rejected MDP, an iteration that did not
  /// converge, a failed solve).
  case finiteMDP(FiniteMDPError)

  public var description: String {
    switch self {
    case let .policyCliff(error): return error.description
    case let .finiteMDP(error): return error.description
    }
  }
}
