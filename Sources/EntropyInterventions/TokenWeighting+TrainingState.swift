// DeltaH — entropy change of softmax policies.

/// A `TokenWeighting` whose rule depends on the training run, not only on the batch: the step
/// index t (KL-Cov's annealed β_t, D³S's ratios p_t, q_t) or the entropy history (EPO's running
/// average). A trainer calls
/// ``atTrainingState(step:entropyHistory:)`` once per step, before the rule sees the step's batch,
/// and uses the returned rule for that step.
public protocol TrainingStateTokenWeighting: TokenWeighting {
  /// The rule as it applies at step `step` (0-based) after the entropies `entropyHistory` of
  /// the steps before it (oldest first; empty at step 0).
  ///
  /// - Complexity: O(1) plus copying the history.
  func atTrainingState(step: Int, entropyHistory: [Double]) -> Self
}

extension KLCovAnnealing: TrainingStateTokenWeighting {
  /// The rule with `step` = t: β = β_t of the schedule; the history is not used.
  ///
  /// - Complexity: O(1).
  public func atTrainingState(step: Int, entropyHistory: [Double]) -> KLCovAnnealing {
    var rule = self
    rule.step = step
    return rule
  }
}

extension EPOEntropySmoothing: TrainingStateTokenWeighting {
  /// The rule with `history` = the entropies of the earlier steps (H̄_hist is their mean); the
  /// step index is not used. On a dump, the caller passes its own history (default empty: no
  /// smoothing).
  ///
  /// - Complexity: O(1) (the history array is shared, not copied).
  public func atTrainingState(step: Int, entropyHistory: [Double]) -> EPOEntropySmoothing {
    var rule = self
    rule.history = entropyHistory
    return rule
  }
}

extension D3SDownSampling: TrainingStateTokenWeighting {
  /// The rule with `step` = t, so that p_t and q_t follow the schedule over a run; the history is
  /// not used.
  ///
  /// - Complexity: O(1).
  public func atTrainingState(step: Int, entropyHistory: [Double]) -> D3SDownSampling {
    var rule = self
    rule.step = step
    return rule
  }
}
