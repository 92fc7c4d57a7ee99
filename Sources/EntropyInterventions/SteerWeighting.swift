// DeltaH — entropy change of softmax policies.

import RealModule

/// STEER's per-token loss weights, as the released code computes them (zz-haooo/STEER@b31df71
/// `compute_token_weights`; docs/theory.md#steer).
///
///     x = clamp(π_θ(y), 1e-8, 1 − 1e-8),   o = clamp(π_old(y), 1e-8, 1)
///     Ω = (A / o) · x (1 − x) · (log x + H_t)                  (non-finite Ω → 0)
///     m = min |Ω|, M = max |Ω| over valid tokens
///     linear:       w = clamp(w_max − (|Ω| − m)(w_max − w_min)/(M − m), w_min, w_max);  M = m ⇒ (w_min + w_max)/2
///     exponential:  k = −ln(w_min) / max(M, 0.02),  w = clamp(exp(−k|Ω|), w_min, 1)
///
/// Ω keeps only a sampled-token term; the exact first order (`EntropyPolarity`) adds the state-wise
/// correction. Defaults: linear, w_min = 0.8, w_max = 1.2.
public enum SteerWeighting: Sendable, Equatable {
  /// Linear map of |Ω| onto [w_min, w_max], largest weight at the smallest |Ω|.
  case linear(minimum: Double = 0.8, maximum: Double = 1.2)
  /// exp(−k|Ω|) clamped to [w_min, 1].
  case exponential(minimum: Double = 0.8)

  /// The code-form Ω of one token.
  ///
  /// - Parameters:
  ///   - advantage: A.
  ///   - probability: π_θ(y) (current policy).
  ///   - oldProbability: π_old(y).
  ///   - entropy: H_t of the current policy at the token's position.
  /// - Complexity: O(1).
  public static func omega(advantage: Double, probability: Double, oldProbability: Double, entropy: Double) -> Double {
    let x = min(max(probability, 1e-8), 1 - 1e-8)
    let o = min(max(oldProbability, 1e-8), 1)
    let value = (advantage / o) * x * (1 - x) * (Double.log(x) + entropy)
    return value.isFinite ? value : 0
  }

  /// The weights of a batch of Ω values; masked tokens get weight 1.
  ///
  /// - Throws: `InterventionError` for mismatched lengths, bad weight bounds (linear: finite
  ///   0 ≤ w_min ≤ w_max, a negative weight would reverse a token's update; exponential:
  ///   0 < w_min ≤ 1), or no valid token.
  /// - Complexity: O(N).
  public func weights(omegas: [Double], valid: [Bool]? = nil) throws(InterventionError) -> [Double] {
    let n = omegas.count
    let mask = try resolvedMask(valid, count: n)
    let magnitudes = (0..<n).filter { mask[$0] }.map { omegas[$0].isFinite ? abs(omegas[$0]) : 0 }
    guard let m = magnitudes.min(), let big = magnitudes.max() else {
      throw InterventionError(argument: "valid", problem: "selects no token")
    }
    var w = [Double](repeating: 1, count: n)
    switch self {
    case let .linear(lo, hi):
      guard lo.isFinite, hi.isFinite, lo >= 0, lo <= hi else {
        throw InterventionError(argument: "STEER weights", problem: "need finite 0 ≤ w_min ≤ w_max, got (\(lo), \(hi))")
      }
      for i in 0..<n where mask[i] {
        let a = omegas[i].isFinite ? abs(omegas[i]) : 0
        w[i] = big == m ? (lo + hi) / 2 : min(max(hi - (a - m) * (hi - lo) / (big - m), lo), hi)
      }
    case let .exponential(lo):
      guard lo > 0, lo <= 1 else {
        throw InterventionError(argument: "STEER weights", problem: "need 0 < w_min ≤ 1, got \(lo)")
      }
      let k = -Double.log(lo) / max(big, 0.02)
      for i in 0..<n where mask[i] {
        let a = omegas[i].isFinite ? abs(omegas[i]) : 0
        w[i] = min(max(Double.exp(-k * a), lo), 1)
      }
    }
    return w
  }
}
