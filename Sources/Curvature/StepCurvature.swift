// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy

/// Second-order quantities of one logit step between two softmax policies at the same state
/// and temperature: π = softmax(z/T) and π′ = softmax(z′/T), with Δ = (z′ − z)/T.
///
///     entropy second-order term   ½ Δᵀ(∇²H)Δ
///     local KL                    ½ ΔᵀFΔ = ½ Var_π(Δ)
///     exact KL                    KL(π ‖ π′) = log E_π[e^Δ] − E_π[Δ] = log1p( E_π[φ(d)] ),
///                                 d = Δ − E_πΔ,  φ(x) = eˣ − 1 − x
///
/// KL(π‖π′) = ½ΔᵀFΔ + O(‖Δ‖³), so the relative error of the local KL is O(‖Δ‖). φ is summed as a
/// Taylor series for |x| < 0.1 so that the exact KL keeps full relative accuracy for tiny steps.
public struct StepCurvature: Sendable, Equatable {
  /// The policy's logit step Δ = (z′ − z)/T.
  public let step: [Double]
  /// ½ Δᵀ(∇²H)Δ, the second-order term of the entropy change.
  public let entropySecondOrderTerm: Double
  /// ½ ΔᵀFΔ, the local (quadratic) approximation of KL(π ‖ π′).
  public let localKL: Double
  /// The exact KL(π ‖ π′) in nats.
  public let exactKL: Double

  /// The quantities for the step from `before` to `after`.
  ///
  /// - Throws: `CurvatureError.invalidArgument` when the policies differ in size or temperature.
  /// - Complexity: O(K).
  public init(from before: SoftmaxPolicy, to after: SoftmaxPolicy) throws(CurvatureError) {
    guard before.actionCount == after.actionCount else {
      throw .invalidArgument("policies with \(before.actionCount) and \(after.actionCount) actions")
    }
    guard before.temperature == after.temperature else {
      throw .invalidArgument("policies at temperatures \(before.temperature) and \(after.temperature)")
    }
    let t = before.temperature
    let delta = zip(after.logits, before.logits).map { ($0 - $1) / t }
    step = delta
    entropySecondOrderTerm = before.entropySecondOrderTerm(delta)
    let d = before.centred(delta)
    let p = before.probabilities
    localKL = 0.5 * compensatedSum((0..<d.count).lazy.map { p[$0] * d[$0] * d[$0] })
    // πᵢφ(dᵢ) as e^(log πᵢ + dᵢ) − πᵢ(1 + dᵢ) for dᵢ > 1 (no cancellation there): a πᵢ that
    // underflowed to 0 with dᵢ > 709 made 0·φ(dᵢ) = 0·∞ = NaN although e^(log πᵢ + dᵢ) is finite.
    let l = before.logProbabilities
    exactKL = Double.log(onePlus: compensatedSum((0..<d.count).lazy.map { i in
      d[i] > 1 ? Double.exp(l[i] + d[i]) - p[i] * (1 + d[i]) : p[i] * expm1MinusIdentity(d[i])
    }))
  }

  /// (localKL − exactKL) / exactKL, the relative error of the quadratic approximation (0 when
  /// both vanish).
  ///
  /// - Complexity: O(1).
  public var localKLRelativeError: Double {
    exactKL == 0 ? (localKL == 0 ? 0 : .infinity) : (localKL - exactKL) / exactKL
  }
}

/// φ(x) = eˣ − 1 − x without cancellation: Taylor series x²Σ_{n≥0} xⁿ/(n+2)! for |x| < 0.1 (terms
/// up to x¹⁴, truncation < 1e-17 relative), expm1(x) − x otherwise (relative error < 2ε/|x|).
@inline(__always)
func expm1MinusIdentity(_ x: Double) -> Double {
  guard abs(x) < 0.1 else { return Double.expMinusOne(x) - x }
  var sum = 0.0
  var power = 1.0  // x^(n−2)
  var factorial = 2.0  // n!
  for n in 2...14 {
    sum += power / factorial
    power *= x
    factorial *= Double(n + 1)
  }
  return x * x * sum
}
