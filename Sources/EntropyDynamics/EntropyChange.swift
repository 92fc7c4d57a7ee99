// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The entropy change of one logit step, exact and predicted, side by side.
///
/// For a policy π = softmax(z/T) and a raw-logit step Δz (so the policy's logits move by
/// Δx = Δz/T):
///
///     actual        = H(softmax((z + Δz)/T)) − H(softmax(z/T))
///     first order   = ∇Hᵀ Δx = −Cov_π(log π, Δx)                    (Cui et al. 2025, Lemma 1)
///     second order  = first order + ½ Δxᵀ (∇²H) Δx
///
/// The first-order error is O(‖Δx‖²) and the second-order error O(‖Δx‖³).
public struct EntropyChange: Sendable, Equatable {
  /// H before the step (nats).
  public let entropyBefore: Double
  /// H after the step (nats).
  public let entropyAfter: Double
  /// The first-order prediction −Cov_π(log π, Δz/T).
  public let firstOrder: Double
  /// The first-order prediction plus ½ Δxᵀ(∇²H)Δx.
  public let secondOrder: Double

  /// The exact change H_after − H_before; for a small step (|Δxᵢ − Δx_top| ≤ 1) formed without
  /// subtracting the two entropies (``SoftmaxPolicy/smallStepEntropyChange(policyLogitStep:)``), so
  /// it can differ from `entropyAfter − entropyBefore` in the last bits.
  public let actual: Double

  /// The second-order term ½ Δxᵀ(∇²H)Δx alone, recovered as secondOrder − firstOrder (so it carries
  /// the rounding of that difference).
  ///
  /// - Complexity: O(1).
  @inlinable public var secondOrderTerm: Double { secondOrder - firstOrder }

  /// Memberwise initialiser; the actual change is entropyAfter − entropyBefore.
  public init(entropyBefore: Double, entropyAfter: Double, firstOrder: Double, secondOrder: Double) {
    self.init(
      entropyBefore: entropyBefore, entropyAfter: entropyAfter, actual: entropyAfter - entropyBefore,
      firstOrder: firstOrder, secondOrder: secondOrder)
  }

  /// Memberwise initialiser with the actual change computed separately (to full relative accuracy).
  public init(entropyBefore: Double, entropyAfter: Double, actual: Double, firstOrder: Double, secondOrder: Double) {
    self.entropyBefore = entropyBefore
    self.entropyAfter = entropyAfter
    self.actual = actual
    self.firstOrder = firstOrder
    self.secondOrder = secondOrder
  }
}

/// The first-order entropy change of a raw-logit step Δz (Cui et al. 2025, Lemma 1):
///
///     ΔH ≈ −Cov_{a~π}(log π(a), Δz_a / T) = −(1/T) Σᵢ πᵢ (log πᵢ + H) Δzᵢ
///
/// This is the exact directional derivative ∇Hᵀ(Δz/T); it holds for any step, not only
/// policy-gradient ones.
///
/// - Throws: `SoftmaxError` when Δz has the wrong length or a non-finite element.
/// - Complexity: O(K).
public func firstOrderEntropyChange(
  of policy: SoftmaxPolicy, logitStep: [Double]
) throws(SoftmaxError) -> Double {
  let dx = try effectiveStep(policy, logitStep)
  return 0 - compensatedDot(policy.entropyDiscriminator, dx)  // 0 − x: no change is 0, not −0
}

/// The first-order, second-order and exact entropy change of a raw-logit step Δz; see
/// ``EntropyChange``.
///
/// The policy after the step is formed from the shifted logits (z − z_top·1) + Δz, z_top the logit
/// of the most probable action (z + Δz when the shift overflows): the same policy as
/// softmax((z + Δz)/T), since softmax ignores constant shifts, but a step is not rounded away at
/// the magnitude of z (with z = [1e300, 1e300], z + Δz = z in Double for any Δz of order 1).
///
/// The exact change of a small step (|Δxᵢ − Δx_top| ≤ 1) is formed without subtracting two entropies
/// (``SoftmaxPolicy/smallStepEntropyChange(policyLogitStep:)``): H_after − H_before has an absolute
/// error of about 1e-16·H, which left no correct digit at |Δx| ~ 1e-14. Larger steps take the
/// difference.
///
/// - Throws: `SoftmaxError` when Δz has the wrong length, a non-finite element, or the updated
///   logits overflow.
/// - Complexity: O(K).
public func entropyChange(
  of policy: SoftmaxPolicy, logitStep: [Double]
) throws(SoftmaxError) -> EntropyChange {
  let dx = try effectiveStep(policy, logitStep)
  let top = policy.logits[policy.mostProbableAction]
  let shifted = zip(policy.logits, logitStep).map { ($0 - top) + $1 }
  // z − z_top can overflow where z/T did not (z = [1e308, −1e308], T = 10): then z + Δz as given.
  let after = try shifted.allSatisfy(\.isFinite)
    ? SoftmaxPolicy(logits: shifted, temperature: policy.temperature)
    : policy.updated(byLogitStep: logitStep)
  return change(from: policy, to: after, policyLogitStep: dx)
}

/// The entropy change from `policy` to `updated`, a policy over the same actions at the same
/// temperature whose raw logits differ by Δz = z_updated − z: the exact change (formed without
/// subtracting the entropies for a small step, as in ``entropyChange(of:logitStep:)``) and the
/// first- and second-order predictions of that Δz, without recomputing the updated policy (a
/// trainer that applied its own step).
///
/// - Throws: `SoftmaxError` when the action counts or temperatures differ, or Δz is not finite.
/// - Complexity: O(K).
public func entropyChange(from policy: SoftmaxPolicy, to updated: SoftmaxPolicy) throws(SoftmaxError) -> EntropyChange {
  guard updated.temperature == policy.temperature else {
    throw .invalidArgument("the updated policy's temperature \(updated.temperature) differs from \(policy.temperature)")
  }
  guard updated.actionCount == policy.actionCount else {
    throw .lengthMismatch(name: "updated policy", expected: policy.actionCount, actual: updated.actionCount)
  }
  let dx = try effectiveStep(policy, zip(updated.logits, policy.logits).map { $0 - $1 })
  return change(from: policy, to: updated, policyLogitStep: dx)
}

/// The change from `policy` to `after`, whose logits moved by Δx = `policyLogitStep` (already
/// divided by T): the first- and second-order predictions of Δx, and the actual change, formed
/// without subtracting the entropies for a small step.
private func change(from policy: SoftmaxPolicy, to after: SoftmaxPolicy, policyLogitStep dx: [Double]) -> EntropyChange {
  let first = 0 - compensatedDot(policy.entropyDiscriminator, dx)  // 0 − x: no change is 0, not −0
  let actual = policy.smallStepEntropyChange(policyLogitStep: dx) ?? (after.entropy - policy.entropy)
  return EntropyChange(
    entropyBefore: policy.entropy, entropyAfter: after.entropy, actual: actual, firstOrder: first,
    secondOrder: first + policy.entropySecondOrderTerm(dx))
}

/// Δx = Δz/T after validation.
func effectiveStep(_ policy: SoftmaxPolicy, _ logitStep: [Double]) throws(SoftmaxError) -> [Double] {
  guard logitStep.count == policy.actionCount else {
    throw .lengthMismatch(name: "logit step", expected: policy.actionCount, actual: logitStep.count)
  }
  for (i, v) in logitStep.enumerated() where !v.isFinite {
    throw .nonFiniteInput(name: "logit step", index: i, value: v)
  }
  let t = policy.temperature
  return t == 1 ? logitStep : logitStep.map { $0 / t }
}
