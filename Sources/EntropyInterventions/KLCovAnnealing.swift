// DeltaH — entropy change of softmax policies.

/// KL-Cov with an annealed coefficient β_t (Lei & Baehr, arXiv 2604.09676, as summarised: KL-Cov
/// converges to a stationary point of the original objective when β_t → 0 in a Robbins–Monro
/// fashion; "anneal β from a moderate value"; docs/theory.md#kl-cov-annealed):
///
///     linear:         β_t = β₀ + (β₁ − β₀)·min(t, T)/T
///     Robbins–Monro:  β_t = β₀ / (1 + t/τ)                     (Σ β_t = ∞, Σ β_t² < ∞)
///
/// At step t the weights are ``KLCovWeighting`` with β = β_t. **Interpretation**: the two schedule
/// forms and their defaults (β₀ = 1, τ = 100) are DeltaH's, from a summary of the paper.
public struct KLCovAnnealing: TokenWeighting {
  /// The schedule of β.
  public enum Schedule: Sendable, Equatable {
    /// From β₀ to `final` over `steps` steps, then constant.
    case linear(final: Double, steps: Int)
    /// β₀/(1 + t/τ).
    case robbinsMonro(timescale: Double)
  }
  /// β₀.
  public var initialCoefficient: Double
  /// The schedule.
  public var schedule: Schedule
  /// k, the selected fraction.
  public var ratio: Double
  /// The current step t ≥ 0.
  public var step: Int

  public init(initialCoefficient: Double = 1, schedule: Schedule = .robbinsMonro(timescale: 100), ratio: Double = 2e-3, step: Int = 0) {
    self.initialCoefficient = initialCoefficient
    self.schedule = schedule
    self.ratio = ratio
    self.step = step
  }

  public var name: String { "kl-cov-annealed" }
  public var includesImportanceRatio: Bool { true }
  public var isInterpretation: Bool { true }

  /// β_t.
  ///
  /// - Throws: `InterventionError` for a negative or non-finite β, a non-positive T or τ, or t < 0.
  /// - Complexity: O(1).
  public func coefficient(atStep t: Int) throws(InterventionError) -> Double {
    try checkNonNegative(initialCoefficient, name: "initialCoefficient")
    guard t >= 0 else { throw InterventionError(argument: "step", problem: "must be ≥ 0, got \(t)") }
    switch schedule {
    case let .linear(final, steps):
      try checkNonNegative(final, name: "final coefficient")
      guard steps > 0 else { throw InterventionError(argument: "steps", problem: "must be positive, got \(steps)") }
      return initialCoefficient + (final - initialCoefficient) * Double(min(t, steps)) / Double(steps)
    case let .robbinsMonro(tau):
      guard tau.isFinite, tau > 0 else { throw InterventionError(argument: "timescale", problem: "must be finite and > 0, got \(tau)") }
      return initialCoefficient / (1 + Double(t) / tau)
    }
  }

  /// ``KLCovWeighting/weights(for:)`` with β = β_t: w_t = r_t.
  ///
  /// - Throws: `InterventionError` as ``coefficient(atStep:)``.
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double] {
    try KLCovWeighting(ratio: ratio, coefficient: coefficient(atStep: step)).weights(for: tokens)
  }

  /// ``KLCovWeighting/advantageOffsets(for:)`` with β = β_t.
  ///
  /// - Throws: `InterventionError` as ``coefficient(atStep:)``, or for a ratio outside (0, 1].
  /// - Complexity: O(N log N).
  public func advantageOffsets(for tokens: TokenBatch) throws(InterventionError) -> [Double]? {
    try KLCovWeighting(ratio: ratio, coefficient: coefficient(atStep: step)).advantageOffsets(for: tokens)
  }
}
