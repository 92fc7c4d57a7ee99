// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// A recorded training run: one ``StepRecord`` per update plus the state after the last one.
public struct TrainingRun: Sendable, Equatable {
  /// Step records; record i describes the update from step i to i + 1.
  public let steps: [StepRecord]
  /// Σ_s d(s) H_s after the last update.
  public let finalEntropy: Double
  /// J after the last update.
  public let finalReward: Double

  public init(steps: [StepRecord], finalEntropy: Double, finalReward: Double) {
    self.steps = steps
    self.finalEntropy = finalEntropy
    self.finalReward = finalReward
  }

  /// How well the first-order prediction tracks the actual ΔH:
  ///
  ///     pearson = corr(first order, actual),   maxFirstOrderError = max |first − actual|,
  ///     maxSecondOrderError = max |second − actual|
  ///
  /// - Complexity: O(T).
  public var predictionAccuracy: PredictionAccuracy {
    PredictionAccuracy(
      actual: steps.map(\.deltaActual), firstOrder: steps.map(\.deltaFirstOrder),
      secondOrder: steps.map(\.deltaSecondOrder))
  }

  /// The entropy–performance law fitted to (entropy, reward) of every step and the final state;
  /// nil when the entropy does not vary.
  ///
  /// - Complexity: O(T).
  public var entropyPerformanceFit: EntropyPerformanceFit? {
    try? EntropyPerformanceFit(
      entropies: steps.map(\.entropy) + [finalEntropy], rewards: steps.map(\.reward) + [finalReward])
  }
}

/// Agreement of the first- and second-order predictions with the actual entropy changes.
public struct PredictionAccuracy: Sendable, Equatable {
  /// Pearson correlation of first-order predictions and actual changes (nan if either is constant).
  public let pearson: Double
  /// max |first order − actual|.
  public let maxFirstOrderError: Double
  /// max |second order − actual|.
  public let maxSecondOrderError: Double
  /// mean |first order − actual|.
  public let meanFirstOrderError: Double
  /// mean |second order − actual|.
  public let meanSecondOrderError: Double

  /// - Precondition: the three arrays have the same non-zero length.
  /// - Complexity: O(T).
  public init(actual: [Double], firstOrder: [Double], secondOrder: [Double]) {
    precondition(!actual.isEmpty && actual.count == firstOrder.count && actual.count == secondOrder.count)
    let e1 = zip(firstOrder, actual).map { abs($0 - $1) }
    let e2 = zip(secondOrder, actual).map { abs($0 - $1) }
    pearson = pearsonCorrelation(firstOrder, actual) ?? .nan
    maxFirstOrderError = e1.max()!
    maxSecondOrderError = e2.max()!
    meanFirstOrderError = e1.reduce(0, +) / Double(e1.count)
    meanSecondOrderError = e2.reduce(0, +) / Double(e2.count)
  }
}
