// DeltaH — entropy change of softmax policies.

extension TabularProblem {
  /// Refuses a problem of S states × K actions run for T steps before anything is allocated, so a
  /// number cannot cause a trap, an allocation abort or an hour-long run.
  ///
  /// The table holds L = S × K logits (L = S² × K for a random MDP, whose dense transitions hold
  /// S × K × S probabilities); an MDP also needs S ≤ ``maximumMDPStates`` and K ≤ ``maximumMDPActions``.
  /// Then L ≤ ``maximumLogits`` and T × L ≤ ``maximumLogitUpdates``. Overflowing products are refused.
  ///
  /// - Throws: `TabularPolicyError` naming `states`, `actions` or `steps`.
  /// - Complexity: O(1).
  public static func checkSize(states: Int, actions: Int, steps: Int, isMDP: Bool = false) throws(TabularPolicyError) {
    if isMDP {
      try require(states <= maximumMDPStates, "states", "a random MDP has at most \(maximumMDPStates) states (dense S × A × S transitions), got \(states)")
      try require(actions <= maximumMDPActions, "actions", "a random MDP has at most \(maximumMDPActions) actions, got \(actions)")
    }
    let (rows, rowOverflow) = isMDP ? states.multipliedReportingOverflow(by: states) : (states, false)
    let (cells, overflow) = rows.multipliedReportingOverflow(by: actions)
    guard !rowOverflow, !overflow, cells <= maximumLogits else {
      throw TabularPolicyError(
        argument: "states × actions",
        problem: "\(isMDP ? "\(states)² × \(actions)" : "\(states) × \(actions)") is too large: at most \(maximumLogits) logits in all")
    }
    let (work, workOverflow) = cells.multipliedReportingOverflow(by: steps)
    guard !workOverflow, work <= maximumLogitUpdates else {
      throw TabularPolicyError(
        argument: "steps",
        problem: "\(steps) × \(cells) logits is too much work: at most \(maximumLogitUpdates) logit updates; use fewer steps or a smaller problem")
    }
  }
}

extension TabularProblem {
  /// Refuses a sampled run whose sampled work is out of bounds, before it starts: each step
  /// draws G samples in each of the S states and takes `epochs` passes over them, each sample's
  /// gradient touching its state's K logits, so the work is T × S × K × G × epochs logit updates,
  /// held to ``maximumLogitUpdates`` like an exact run's T × S × K (about half a minute of a
  /// release build at the limit). Overflowing products are refused.
  ///
  /// - Throws: `TabularPolicyError` naming `samples_per_state × epochs × steps`.
  /// - Complexity: O(1).
  public static func checkSampledWork(states: Int, actions: Int, steps: Int, samplesPerState: Int, epochs: Int) throws(TabularPolicyError) {
    var work = 1, overflow = false
    for factor in [states, actions, steps, samplesPerState, epochs] where !overflow {
      (work, overflow) = work.multipliedReportingOverflow(by: factor)
    }
    guard !overflow, work <= maximumLogitUpdates else {
      throw TabularPolicyError(
        argument: "samples_per_state × epochs × steps",
        problem: "\(steps) steps × \(states) × \(actions) logits × G = \(samplesPerState) samples × \(epochs) epochs is too much "
          + "work: at most \(maximumLogitUpdates) sampled logit updates; use fewer steps, samples or epochs, or a smaller problem")
    }
  }
}
