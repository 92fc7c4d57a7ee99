// DeltaH — entropy change of softmax policies.

import GSLSupport
import RealModule

/// The token-selection rules of the covariance-based interventions, over the valid tokens of one
/// batch (or micro-batch), exactly as verl implements them (ecosystem.md §1.3–1.4, theory.md §5).
enum TokenSelection {
  /// n = max(1, ⌊ratio · N⌋), computed as verl does (`int(N · ratio)`).
  static func selectionCount(ratio: Double, validCount: Int) -> Int {
    max(1, Int((Double(validCount) * ratio).rounded(.down)))
  }

  /// KL-Cov: the n valid tokens with the largest centred product Cov_i (ties: lower index first).
  /// Returns flat indices into `centred`, ascending.
  ///
  /// - Complexity: O(N log N).
  static func klCov(centred: [Double], valid: [Bool], ratio: Double) -> [Int] {
    let candidates = centred.indices.filter { valid[$0] }
    guard !candidates.isEmpty else { return [] }
    let n = min(selectionCount(ratio: ratio, validCount: candidates.count), candidates.count)
    let ranked = candidates.sorted { centred[$0] > centred[$1] || (centred[$0] == centred[$1] && $0 < $1) }
    return ranked.prefix(n).sorted()
  }

  /// Clip-Cov: candidates ω_low < Cov_i < ω_high among valid tokens (strict), and a uniform random
  /// pick without replacement of min(n, |C|) of them, n = max(1, ⌊ratio · N⌋).
  ///
  /// - Complexity: O(N).
  static func clipCov(
    centred: [Double], valid: [Bool], lower: Double, upper: Double, ratio: Double, generator: MersenneTwister
  ) -> (candidates: [Int], picked: [Int]) {
    let validCount = valid.lazy.filter { $0 }.count
    let candidates = centred.indices.filter { valid[$0] && centred[$0] > lower && centred[$0] < upper }
    guard validCount > 0, !candidates.isEmpty else { return (candidates, []) }
    let n = selectionCount(ratio: ratio, validCount: validCount)
    let picks = generator.sampleWithoutReplacement(n, from: candidates.count)
    return (candidates, picks.map { candidates[$0] }.sorted())
  }

  /// STEER's token weights in the released code (theory.md §7.2), linear mode:
  ///
  ///     x = clamp(π_θ(y), 1e-8, 1 − 1e-8),  o = clamp(π_old(y), 1e-8, 1)
  ///     Ω = (A / o) · x(1 − x) · (log x + H)        (non-finite Ω → 0)
  ///     w = clamp(w_max − (|Ω| − m)(w_max − w_min)/(M − m), w_min, w_max),   M = m ⇒ (w_min + w_max)/2
  ///
  /// with m, M the min and max of |Ω| over valid tokens. Invalid tokens get Ω = 0 and weight NaN.
  ///
  /// - Complexity: O(N).
  static func steer(
    logProbability: [Double], oldLogProbability: [Double], advantages: [Double], entropy: [Double],
    valid: [Bool], weightRange: AnalysisOptions.ClosedRangeBounds
  ) -> (omega: [Double], weights: [Double]) {
    var omega = [Double](repeating: 0, count: valid.count)
    for i in valid.indices where valid[i] {
      let x = min(max(Double.exp(logProbability[i]), 1e-8), 1 - 1e-8)
      let o = min(max(Double.exp(oldLogProbability[i]), 1e-8), 1)
      let w = (advantages[i] / o) * x * (1 - x) * (Double.log(x) + entropy[i])
      omega[i] = w.isFinite ? w : 0
    }
    let magnitudes = valid.indices.filter { valid[$0] }.map { abs(omega[$0]) }
    guard let m = magnitudes.min(), let big = magnitudes.max() else {
      return (omega, Array(repeating: .nan, count: valid.count))
    }
    let (lo, hi) = (weightRange.lower, weightRange.upper)
    let weights = valid.indices.map { i -> Double in
      guard valid[i] else { return .nan }
      if big == m { return (lo + hi) / 2 }
      return min(max(hi - (abs(omega[i]) - m) * (hi - lo) / (big - m), lo), hi)
    }
    return (omega, weights)
  }
}
