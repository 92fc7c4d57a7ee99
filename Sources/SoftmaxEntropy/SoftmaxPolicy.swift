// DeltaH — entropy change of softmax policies.

import RealModule

/// A softmax policy over K actions at one state: π = softmax(z/T).
///
/// Everything is computed once, in `Double`, with the max shift:
///
///     x = z/T,   m = max x,   S = Σⱼ exp(xⱼ − m),   LSE = m + log S
///     log πᵢ = (xᵢ − m) − log S,   πᵢ = exp(xᵢ − m) / S,   H = −Σᵢ πᵢ log πᵢ   (nats)
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
  /// The index of the largest logit (the first one on ties), the most probable action.
  public let mostProbableAction: Int
  /// 1 − π_top for the most probable action, computed as (Σ_{j≠top} e^{xⱼ−m}) / S without
  /// cancellation (it can be 1e-20 where 1 − π_top would round to 0).
  let mostProbableComplement: Double

  /// Builds the policy softmax(z/T).
  ///
  /// - Throws: `SoftmaxError.emptyLogits`, `.nonFiniteLogit` (NaN/±∞ anywhere), or
  ///   `.invalidTemperature` (T not finite and > 0, or 1/T not finite), or `.invalidArgument` when
  ///   max(z/T) − min(z/T) overflows Double.
  /// - Complexity: O(K).
  public init(logits: [Double], temperature: Double = 1) throws(SoftmaxError) {
    guard !logits.isEmpty else { throw .emptyLogits }
    guard temperature.isFinite, temperature > 0, (1 / temperature).isFinite else { throw .invalidTemperature(temperature) }
    for (i, v) in logits.enumerated() where !v.isFinite { throw .nonFiniteLogit(index: i, value: v) }
    let x = temperature == 1 ? logits : logits.map { $0 / temperature }
    for (i, v) in x.enumerated() where !v.isFinite { throw .nonFiniteLogit(index: i, value: v) }
    // Work with d = x − m ≤ 0 so that log π = d − log S carries no rounding at the magnitude of
    // m (|LSE| can be 1e4; its ulp would swamp small log-probabilities). The pivot (the first
    // maximum) contributes exactly e⁰ = 1 to S, so log S = log1p(rest): a nearly deterministic
    // policy keeps full relative accuracy in log π_top, H and ∇H (H ~ 1e-9 is not lost to the
    // rounding of 1 + 1e-9).
    let pivot = x.indices.max { x[$0] < x[$1] }!
    let m = x[pivot]
    let d = x.map { $0 - m }
    // A spread max − min beyond Double's range makes x − m = −∞: 0·(−∞) would turn H into NaN.
    if let i = d.firstIndex(where: { !$0.isFinite }) {
      throw .invalidArgument("logits \(logits[pivot]) and \(logits[i]) (indices \(pivot), \(i)) differ by more than Double's range (1.8e308) after dividing by T = \(temperature); shift or rescale the logits")
    }
    let e = d.map { Double.exp($0) }
    let rest = compensatedSum(e.indices.lazy.filter { $0 != pivot }.map { e[$0] })
    let sum = 1 + rest
    let logSum = Double.log(onePlus: rest)
    let lse = m + logSum
    let logp = d.map { $0 - logSum }
    let p = e.map { $0 / sum }
    self.logits = logits
    self.temperature = temperature
    self.logSumExp = lse
    self.logProbabilities = logp
    self.probabilities = p
    self.entropy = compensatedSum(zip(p, logp).lazy.map { -$0 * $1 })
    self.mostProbableAction = pivot
    self.mostProbableComplement = rest / sum
  }

  /// 1 − πᵢ, accurate also for the most probable action when it is nearly certain.
  @usableFromInline
  func complementProbability(_ i: Int) -> Double {
    i == mostProbableAction ? mostProbableComplement : 1 - probabilities[i]
  }

  /// v − v_top·1. The Hessians and the Fisher matrix annihilate 1, so their products with v and
  /// with this shifted vector agree mathematically; the shifted one avoids the cancellation
  /// (v_top − πᵀv) that loses every digit when π_top ≈ 1.
  func pivotShifted(_ v: [Double]) -> [Double] {
    let pivot = v[mostProbableAction]
    return v.map { $0 - pivot }
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
