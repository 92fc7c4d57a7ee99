// DeltaH — entropy change of softmax policies.

import RealModule

extension SoftmaxPolicy {
  /// The exact entropy change of a small step Δx of the policy's logits x = z/T,
  /// H(softmax(x + Δx)) − H(softmax(x)), formed without subtracting two entropies:
  ///
  ///     δ = Δx − Δx_top·1,   c = log E_π[e^δ] = log1p(Σᵢ πᵢ expm1(δᵢ)),   rᵢ = δᵢ − c = log(π′ᵢ/πᵢ)
  ///     ΔH = −Σᵢ πᵢ expm1(rᵢ)(log πᵢ + H) − KL(π′ ‖ π),   KL(π′ ‖ π) = Σᵢ πᵢ ψ(rᵢ),
  ///     ψ(r) = r eʳ − eʳ + 1 = Σ_{n≥2} (n − 1) rⁿ/n! ≥ 0
  ///
  /// (from log π′ = log π + r, Σᵢ(π′ᵢ − πᵢ) = 0 and E_π[eʳ] = 1). Every term has the size of the
  /// step (ψ of its square), so the result keeps its relative accuracy for tiny steps, and both
  /// sums are insensitive to the rounding of c to first order. The difference of two entropies has
  /// an absolute error of about 1e-16·H: at |Δx| ~ 1e-12 it keeps 4 digits, at 1e-14 none.
  ///
  /// Edge cases: nil when some |δᵢ| > 1 or is not finite (a large step, where the difference of
  /// the two entropies loses nothing that matters and this form could overflow) or the result is
  /// not finite; actions whose πᵢ underflowed to 0 contribute 0.
  ///
  /// - Precondition: `step.count == actionCount`.
  /// - Complexity: O(K).
  public func smallStepEntropyChange(policyLogitStep step: [Double]) -> Double? {
    precondition(step.count == actionCount, "step has \(step.count) elements, policy has \(actionCount) actions")
    let pivot = step[mostProbableAction]
    let delta = step.map { $0 - pivot }
    guard delta.allSatisfy({ abs($0) <= 1 }) else { return nil }
    let p = probabilities
    let c = Double.log(onePlus: compensatedSum(zip(p, delta).lazy.map { $0 * Double.expMinusOne($1) }))
    let r = delta.map { $0 - c }
    let h = entropy
    let linear = compensatedSum(
      (0..<actionCount).lazy.map { p[$0] * Double.expMinusOne(r[$0]) * (self.logProbabilities[$0] + h) })
    let divergence = compensatedSum((0..<actionCount).lazy.map { p[$0] * relativeEntropyIntegrand(r[$0]) })
    let change = 0 - linear - divergence  // 0 − x: no change is 0, not −0
    return change.isFinite ? change : nil
  }
}

/// ψ(r) = r eʳ − eʳ + 1 ≥ 0 without cancellation: the series Σ_{n≥2} (n − 1) rⁿ/n! for |r| < 0.1
/// (terms up to r¹⁵, truncation < 1e-17 relative), r·eʳ − expm1(r) otherwise (relative error
/// below 20 ε there).
@inline(__always)
func relativeEntropyIntegrand(_ r: Double) -> Double {
  guard abs(r) < 0.1 else { return r * Double.exp(r) - Double.expMinusOne(r) }
  var sum = 0.0
  var power = r * r  // rⁿ
  var factorial = 2.0  // n!
  for n in 2...15 {
    sum += Double(n - 1) * power / factorial
    power *= r
    factorial *= Double(n + 1)
  }
  return sum
}
