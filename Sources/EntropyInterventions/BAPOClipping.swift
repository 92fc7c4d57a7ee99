// DeltaH — entropy change of softmax policies.

/// BAPO's balanced adaptive clipping bounds (Xi et al., arXiv 2510.18927; the bound ranges and
/// ρ₀ from the authors' README; the loop and the contribution measure are **interpretation**):
///
///     start  c_low = a⁻, c_high = a⁺
///     ρ(c)  = Σ_{A_t > 0} |A_t| r_t 1[kept] / Σ_t |A_t| r_t 1[kept]      (positive share of the
///             unclipped policy-gradient mass; kept ⇔ not (A > 0 ∧ r > c_high) and not (A < 0 ∧ r < c_low))
///     while ρ < ρ₀ and c_low + δ⁻ ≤ b⁻:
///         if c_high + δ⁺ ≤ b⁺ { c_high += δ⁺ };  c_low += δ⁻
///     w_t = r_t·1[kept]
///
/// Raising c_high admits more positive (often entropy-raising, low-probability) tokens; raising
/// c_low clips more negative ones — the paper's remedy for fixed clipping blocking
/// entropy-increasing updates. Defaults: ρ₀ = 0.5, [a⁻, b⁻] = [0.6, 0.9], [a⁺, b⁺] = [1.2, 3.0],
/// δ⁺ = 0.05, δ⁻ = 0.02 (the step sizes are DeltaH's).
public struct BAPOClipping: TokenWeighting {
  /// ρ₀.
  public var positiveShareTarget: Double
  /// [a⁻, b⁻], the movable range of the lower ratio bound.
  public var lowerRange: (start: Double, max: Double)
  /// [a⁺, b⁺], the movable range of the upper ratio bound.
  public var upperRange: (start: Double, max: Double)
  /// (δ⁺, δ⁻).
  public var stepSizes: (upper: Double, lower: Double)

  public init(
    positiveShareTarget: Double = 0.5, lowerRange: (start: Double, max: Double) = (0.6, 0.9),
    upperRange: (start: Double, max: Double) = (1.2, 3.0), stepSizes: (upper: Double, lower: Double) = (0.05, 0.02)
  ) {
    self.positiveShareTarget = positiveShareTarget
    self.lowerRange = lowerRange
    self.upperRange = upperRange
    self.stepSizes = stepSizes
  }

  public var name: String { "bapo" }
  public var includesImportanceRatio: Bool { true }
  public var isInterpretation: Bool { true }

  /// The bounds the loop settles on and the positive share ρ there.
  public struct Bounds: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var positiveShare: Double
  }

  /// ρ at given bounds (0 when no mass is kept).
  static func positiveShare(_ t: TokenBatch, _ r: [Double], lower: Double, upper: Double) -> Double {
    var plus = 0.0, all = 0.0
    for i in t.validIndices {
      let a = t.advantages[i]
      let kept = !(a > 0 && r[i] > upper) && !(a < 0 && r[i] < lower)
      guard kept else { continue }
      let m = abs(a) * r[i]
      all += m
      if a > 0 { plus += m }
    }
    return all > 0 ? plus / all : 0
  }

  /// Runs the adaptation loop on a batch.
  ///
  /// - Throws: `InterventionError` unless 0 ≤ ρ₀ ≤ 1, 0 < a ≤ b for both ranges and δ > 0.
  /// - Complexity: O(N · number of loop steps), at most ⌈(b⁻ − a⁻)/δ⁻⌉ + 1 passes.
  public func bounds(for tokens: TokenBatch) throws(InterventionError) -> Bounds {
    guard positiveShareTarget.isFinite, (0...1).contains(positiveShareTarget) else {
      throw InterventionError(argument: "positiveShareTarget", problem: "must be in [0, 1], got \(positiveShareTarget)")
    }
    for (name, r) in [("lowerRange", lowerRange), ("upperRange", upperRange)] where !(r.start.isFinite && r.max.isFinite && r.start > 0 && r.start <= r.max) {
      throw InterventionError(argument: name, problem: "need 0 < start ≤ max, got (\(r.start), \(r.max))")
    }
    guard stepSizes.upper.isFinite, stepSizes.lower.isFinite, stepSizes.upper > 0, stepSizes.lower > 0 else {
      throw InterventionError(argument: "stepSizes", problem: "must be finite and > 0, got (\(stepSizes.upper), \(stepSizes.lower))")
    }
    let r = tokens.ratios
    var lo = lowerRange.start, hi = upperRange.start
    var rho = Self.positiveShare(tokens, r, lower: lo, upper: hi)
    // A small tolerance keeps the loop from stopping one step early on accumulated rounding.
    while rho < positiveShareTarget && lo + stepSizes.lower <= lowerRange.max + 1e-12 {
      if hi + stepSizes.upper <= upperRange.max + 1e-12 { hi += stepSizes.upper }
      lo += stepSizes.lower
      rho = Self.positiveShare(tokens, r, lower: lo, upper: hi)
    }
    return Bounds(lower: lo, upper: hi, positiveShare: rho)
  }

  /// w_t = r_t·1[kept] at the bounds ``bounds(for:)`` settles on (kept as in the type's formula),
  /// 1 at invalid tokens. A_t = 0 is always kept.
  ///
  /// - Throws: `InterventionError` as ``bounds(for:)``.
  /// - Complexity: O(N · loop steps), as ``bounds(for:)``.
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    let b = try bounds(for: tokens)
    let r = tokens.ratios
    return (0..<tokens.count).map { i in
      guard tokens.valid[i] else { return 1 }
      let a = tokens.advantages[i]
      return (a > 0 && r[i] > b.upper) || (a < 0 && r[i] < b.lower) ? 0 : r[i]
    }
  }
}
