// DeltaH — entropy change of softmax policies.

import RealModule

/// The log-sum-exp LSE(x) = log Σᵢ exp(xᵢ), computed with the max shift
///
///     m = max x,   LSE(x) = m + log Σᵢ exp(xᵢ − m)
///
/// so that no exponential overflows (logits of ±1e4 are fine).
///
/// - Throws: `SoftmaxError.emptyLogits` or `.nonFiniteLogit`.
/// - Complexity: O(K).
public func logSumExp(_ x: [Double]) throws(SoftmaxError) -> Double {
  guard !x.isEmpty else { throw .emptyLogits }
  for (i, v) in x.enumerated() where !v.isFinite { throw .nonFiniteLogit(index: i, value: v) }
  return logSumExpOfFinite(x)
}

/// LSE over finite, non-empty input (checked by the caller).
@usableFromInline
func logSumExpOfFinite(_ x: [Double]) -> Double {
  let m = x.max()!
  return m + .log(compensatedSum(x.lazy.map { .exp($0 - m) }))
}

/// The softmax π = softmax(x/T), πᵢ = exp(xᵢ/T − LSE(x/T)).
///
/// - Throws: `SoftmaxError` for empty or non-finite logits or a bad temperature.
/// - Complexity: O(K).
public func softmax(_ x: [Double], temperature: Double = 1) throws(SoftmaxError) -> [Double] {
  try SoftmaxPolicy(logits: x, temperature: temperature).probabilities
}

/// The log-softmax log π = x/T − LSE(x/T).
///
/// - Throws: `SoftmaxError` for empty or non-finite logits or a bad temperature.
/// - Complexity: O(K).
public func logSoftmax(_ x: [Double], temperature: Double = 1) throws(SoftmaxError) -> [Double] {
  try SoftmaxPolicy(logits: x, temperature: temperature).logProbabilities
}

/// The Shannon entropy of softmax(x/T) in nats, H = −Σᵢ πᵢ log πᵢ.
///
/// - Throws: `SoftmaxError` for empty or non-finite logits or a bad temperature.
/// - Complexity: O(K).
public func softmaxEntropy(_ x: [Double], temperature: Double = 1) throws(SoftmaxError) -> Double {
  try SoftmaxPolicy(logits: x, temperature: temperature).entropy
}
