// DeltaH — entropy change of softmax policies.

/// Entrocraft's keep-mask controller with linearly annealed bounds (Li et al. 2604.26326,
/// Algorithm 1 and Eq. 5; docs/theory.md#entrocraft).
///
///     L(t) = L₀ + (L₁ − L₀)·t/T,   U(t) = U₀ + (U₁ − U₀)·t/T          (t clamped to [0, T])
///     m = 1[H > U(t)] − 1[H < L(t)]
///     keep rollout i  ⇔  m · Â_i ≥ 0                                     (m = 0 keeps all)
///
/// Too-low entropy trains only on non-positive advantages, too-high only on non-negative ones;
/// dropped rollouts stay in the loss's mean with weight 0 (kept ones weigh 1, as the released
/// code's zeroed advantages stay in its token mean). Defaults: the paper's comparison schedule,
/// (0.6, 0.7) → (0.1, 0.2).
public struct EntrocraftController: Sendable, Equatable {
  /// (L₀, U₀).
  public let startBounds: (lower: Double, upper: Double)
  /// (L₁, U₁).
  public let endBounds: (lower: Double, upper: Double)
  /// T, the number of steps of the schedule.
  public let totalSteps: Int

  public static func == (a: Self, b: Self) -> Bool {
    a.startBounds == b.startBounds && a.endBounds == b.endBounds && a.totalSteps == b.totalSteps
  }

  /// - Throws: `InterventionError` unless the bounds are finite with lower ≤ upper at both ends
  ///   and T > 0.
  public init(
    startBounds: (lower: Double, upper: Double) = (0.6, 0.7),
    endBounds: (lower: Double, upper: Double) = (0.1, 0.2), totalSteps: Int
  ) throws(InterventionError) {
    for (name, b) in [("startBounds", startBounds), ("endBounds", endBounds)] {
      guard b.lower.isFinite, b.upper.isFinite, b.lower <= b.upper else {
        throw InterventionError(argument: name, problem: "need finite lower ≤ upper, got (\(b.lower), \(b.upper))")
      }
    }
    guard totalSteps > 0 else {
      throw InterventionError(argument: "totalSteps", problem: "must be positive, got \(totalSteps)")
    }
    self.startBounds = startBounds
    self.endBounds = endBounds
    self.totalSteps = totalSteps
  }

  /// (L(t), U(t)).
  ///
  /// - Complexity: O(1).
  public func bounds(atStep t: Int) -> (lower: Double, upper: Double) {
    let f = Double(min(max(t, 0), totalSteps)) / Double(totalSteps)
    return (
      startBounds.lower + (endBounds.lower - startBounds.lower) * f,
      startBounds.upper + (endBounds.upper - startBounds.upper) * f
    )
  }

  /// m = 1[H > U(t)] − 1[H < L(t)] ∈ {−1, 0, 1}.
  ///
  /// - Complexity: O(1).
  public func direction(entropy: Double, step t: Int) -> Int {
    let b = bounds(atStep: t)
    return (entropy > b.upper ? 1 : 0) - (entropy < b.lower ? 1 : 0)
  }

  /// The keep mask m · Â_i ≥ 0.
  ///
  /// - Complexity: O(G).
  public static func keepMask(advantages: [Double], direction m: Int) -> [Bool] {
    advantages.map { Double(m) * $0 >= 0 }
  }
}
