// DeltaH — entropy change of softmax policies.

/// The degeneracy of the optimal action at one state (docs/theory.md#ties-margins): the τ-argmax set, its size and
/// the margin to the best action outside it.
///
///     A*_τ = { a : Q(a) ≥ max_b Q(b) − τ },   m_τ = |A*_τ|
///     δ = max Q − max{ Q(a) : a ∉ A*_τ }      (∞ when every action is tied)
///
/// For a bandit Q = r. A tie (m_τ ≥ 2) is the policy cliff: an arbitrarily small reward change can
/// make any tied action uniquely optimal (Policy Cliff Props 2.4/2.5, 3.2).
public struct ActionMargin: Sendable, Equatable {
  /// The tolerance τ used.
  public let tolerance: Double
  /// max_a Q(a).
  public let best: Double
  /// The τ-argmax set A*_τ, ascending.
  public let tiedActions: [Int]
  /// δ, the gap to the best action outside A*_τ (∞ when all actions are tied).
  public let margin: Double

  /// The default tolerance, scale-aware: τ = 1e-9 · max_a |Q(a)| (0 for an all-zero vector, where
  /// ties are exact). Values computed by value iteration to 1e-12 relative (this module's default)
  /// or by a linear solve sit far inside it, while genuine reward differences of a billionth of the
  /// reward scale are still distinguished.
  ///
  /// - Complexity: O(K).
  public static func defaultTolerance(for values: [Double]) -> Double {
    1e-9 * (values.map(abs).max() ?? 0)
  }

  /// The margin analysis of `values`.
  ///
  /// - Throws: `PolicyCliffError.invalidArgument` for an empty or non-finite vector, values whose
  ///   spread max − min overflows Double (δ would read ∞), or a negative or non-finite tolerance.
  /// - Complexity: O(K).
  public init(values: [Double], tolerance: Double? = nil) throws(PolicyCliffError) {
    try requireFinite(values, "values")
    let tau = tolerance ?? Self.defaultTolerance(for: values)
    guard tau.isFinite, tau >= 0 else {
      throw .invalidArgument("tolerance \(tau) must be finite and ≥ 0")
    }
    let top = values.max()!
    // A spread beyond Double's range would make δ = ∞, which reads as "every action tied".
    if let low = values.min(), !(top - low).isFinite {
      throw .invalidArgument("values \(top) and \(low) differ by more than Double's range (1.8e308); shift or rescale them")
    }
    self.tolerance = tau
    self.best = top
    self.tiedActions = values.indices.filter { values[$0] >= top - tau }
    let rest = values.filter { $0 < top - tau }
    self.margin = rest.max().map { top - $0 } ?? .infinity
  }

  /// m_τ, the number of tied optimal actions.
  ///
  /// - Complexity: O(1).
  public var ties: Int { tiedActions.count }

  /// The deterministic greedy choice: the first action of A*_τ.
  ///
  /// - Complexity: O(1).
  public var greedyAction: Int { tiedActions[0] }

  /// The stability radius of the τ-argmax *set*, (1 − γ)·δ/2: no reward perturbation with
  /// ‖ΔR‖∞ below it lets an action outside A*_τ become optimal (Q moves by at most ‖ΔR‖∞/(1 − γ),
  /// Policy Cliff Prop 2.1; each of the two compared Q values moves by at most that). ∞ when all
  /// actions are tied.
  ///
  /// - Precondition: 0 ≤ γ < 1.
  /// - Complexity: O(1).
  public func argmaxSetStabilityRadius(gamma: Double = 0) -> Double {
    precondition(gamma >= 0 && gamma < 1, "gamma must lie in [0, 1)")
    return (1 - gamma) * margin / 2
  }

  /// The stability radius of the greedy (deterministic) policy:
  ///
  ///     (1 − γ)·δ/2   when the optimum is unique (m_τ = 1)
  ///     0             at a tie (m_τ ≥ 2): the cliff — an ε-perturbation selects any tied action
  ///
  /// - Precondition: 0 ≤ γ < 1.
  /// - Complexity: O(1).
  public func greedyStabilityRadius(gamma: Double = 0) -> Double {
    isTie ? 0 : argmaxSetStabilityRadius(gamma: gamma)
  }

  /// Whether the optimum is degenerate (m_τ ≥ 2): the greedy selection has stability radius 0.
  ///
  /// - Complexity: O(1).
  public var isTie: Bool { ties >= 2 }
}
