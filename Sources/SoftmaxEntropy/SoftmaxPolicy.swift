// DeltaH — entropy change of softmax policies.

import RealModule

/// A softmax policy over K actions at one state: π = softmax(z/T).
///
/// Everything is computed once, in `Double`, with the max shift:
///
///     x = z/T,   m = max x,   LSE = m + log Σⱼ exp(xⱼ − m)
///     log πᵢ = xᵢ − LSE,   πᵢ = exp(log πᵢ),   H = −Σᵢ πᵢ log πᵢ   (nats)
///
/// H is summed term by term (every term −πᵢ log πᵢ ≥ 0), which avoids the cancellation of the
/// textbook form LSE − Σ πᵢ xᵢ when the policy is nearly deterministic.
///
/// Derivatives (``entropyGradient``, ``entropyHessian()``, ``fisherMatrix()``, …) are taken with
/// respect to the policy's own logits x = z/T. A step Δz of the raw logits moves x by Δz/T; the
/// entropy-dynamics functions apply that chain rule for you.
public struct SoftmaxPolicy: Sendable, Equatable {
  /// The raw logits z as given.
  public let logits: [Double]
  /// The temperature T (> 0); the policy is softmax(z/T).
  public let temperature: Double
  /// LSE(z/T) = log Σⱼ exp(zⱼ/T).
  public let logSumExp: Double
  /// π = softmax(z/T).
  public let probabilities: [Double]
  /// log π = z/T − LSE(z/T) (finite for finite logits, even where π underflows to 0).
  public let logProbabilities: [Double]
  /// H(π) = −Σ πᵢ log πᵢ in nats.
  public let entropy: Double

  /// Builds the policy softmax(z/T).
  ///
  /// - Throws: `SoftmaxError.emptyLogits`, `.nonFiniteLogit` (NaN/±∞ anywhere), or
  ///   `.invalidTemperature` (T not finite and > 0).
  /// - Complexity: O(K).
  public init(logits: [Double], temperature: Double = 1) throws(SoftmaxError) {
    guard !logits.isEmpty else { throw .emptyLogits }
    guard temperature.isFinite, temperature > 0 else { throw .invalidTemperature(temperature) }
    for (i, v) in logits.enumerated() where !v.isFinite { throw .nonFiniteLogit(index: i, value: v) }
    let x = temperature == 1 ? logits : logits.map { $0 / temperature }
    for (i, v) in x.enumerated() where !v.isFinite { throw .nonFiniteLogit(index: i, value: v) }
    let lse = logSumExpOfFinite(x)
    let logp = x.map { $0 - lse }
    let p = logp.map { Double.exp($0) }
    self.logits = logits
    self.temperature = temperature
    self.logSumExp = lse
    self.logProbabilities = logp
    self.probabilities = p
    self.entropy = compensatedSum(zip(p, logp).lazy.map { -$0 * $1 })
  }

  /// The number of actions K.
  ///
  /// - Complexity: O(1).
  @inlinable public var actionCount: Int { logits.count }

  /// The policy after a step Δz of the raw logits, softmax((z + Δz)/T), at the same temperature.
  ///
  /// - Throws: `SoftmaxError` when the step has the wrong length or the new logits are not finite.
  /// - Complexity: O(K).
  public func updated(byLogitStep step: [Double]) throws(SoftmaxError) -> SoftmaxPolicy {
    try checkLength(step, actionCount, name: "logit step")
    try checkFinite(step, name: "logit step")
    return try SoftmaxPolicy(logits: zip(logits, step).map { $0 + $1 }, temperature: temperature)
  }
}
