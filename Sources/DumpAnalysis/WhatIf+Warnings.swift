// DeltaH — entropy change of softmax policies.

import EntropyInterventions

extension WhatIfReport {
  /// Warnings for rows whose rule needs ids the dump does not give, so that part of the rule has
  /// nothing to act on:
  ///
  /// * no `group_ids` while D³S's sample ratio q_t < 1: the row applies only the token level (the
  ///   sample level keeps the max-variance rollouts within each prompt group);
  /// * one sequence id for all valid positions (an [N] dump without `sequence_ids`): EMPG's
  ///   clarity bonus reads each position's next valid position in the whole batch, and D³S's sample
  ///   level has a single rollout per group to keep.
  ///
  /// - Parameters:
  ///   - tokens: the batch of the table (``tokenBatch(of:file:)``).
  ///   - step: the step t of the scheduled rules.
  /// - Complexity: O(N).
  static func missingIdentityWarnings(tokens: TokenBatch, step: Int) -> [String] {
    var warnings: [String] = []
    let sampleRatio = (try? D3SDownSampling(step: step).ratios().sample) ?? 1
    if tokens.groupIDs == nil && sampleRatio < 1 {
      warnings.append(
        "no 'group_ids' in the dump: the d3s row applies only its token level (its sample level, q = \(sampleRatio) at t = \(step), keeps rollouts within prompt groups)")
    }
    let valid = tokens.validIndices
    if valid.count > 1, let ids = tokens.sequenceIDs, Set(valid.map { ids[$0] }).count == 1 {
      warnings.append(
        "all valid positions have one sequence id (an [N] dump without 'sequence_ids' is one sequence): empg's clarity bonus links each position to the next one in the batch, and d3s's sample level has one rollout to keep")
    }
    return warnings
  }
}
