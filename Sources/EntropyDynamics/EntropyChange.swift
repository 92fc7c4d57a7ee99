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

  /// The exact change H_after − H_before.
  @inlinable public var actual: Double { entropyAfter - entropyBefore }

  /// The second-order term ½ Δxᵀ(∇²H)Δx alone.
  @inlinable public var secondOrderTerm: Double { secondOrder - firstOrder }

  /// Memberwise initialiser.
  public init(entropyBefore: Double, entropyAfter: Double, firstOrder: Double, secondOrder: Double) {
    self.entropyBefore = entropyBefore
    self.entropyAfter = entropyAfter
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
  return -compensatedDot(policy.entropyDiscriminator, dx)
}

/// The first-order, second-order and exact entropy change of a raw-logit step Δz; see
/// ``EntropyChange``.
///
/// - Throws: `SoftmaxError` when Δz has the wrong length, a non-finite element, or the updated
///   logits overflow.
/// - Complexity: O(K).
public func entropyChange(
  of policy: SoftmaxPolicy, logitStep: [Double]
) throws(SoftmaxError) -> EntropyChange {
  let dx = try effectiveStep(policy, logitStep)
  let first = -compensatedDot(policy.entropyDiscriminator, dx)
  let second = first + policy.entropySecondOrderTerm(dx)
  let after = try policy.updated(byLogitStep: logitStep)
  return EntropyChange(
    entropyBefore: policy.entropy, entropyAfter: after.entropy, firstOrder: first, secondOrder: second)
}

/// The entropy change from `policy` to `updated`, a policy over the same actions at the same
/// temperature whose raw logits differ by Δz = z_updated − z: the exact H(updated) − H(policy)
/// and the first- and second-order predictions of that Δz, as ``entropyChange(of:logitStep:)``
/// gives them, without recomputing the updated policy (a trainer that applied its own step).
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
  let first = -compensatedDot(policy.entropyDiscriminator, dx)
  return EntropyChange(
    entropyBefore: policy.entropy, entropyAfter: updated.entropy, firstOrder: first,
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
