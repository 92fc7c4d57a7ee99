// DeltaH — entropy change of softmax policies.

import EntropyInterventions

/// Run-level figures of a tabular training run (`deltah bandit|mdp --json`, key `summary`).
///
/// Fields: `environment` (description), `rule` (the typed rule, encoded by its name), `naturalGradient`
/// (from the typed ``UpdateRule``: the per-step covariance is then Cov(log π, A), Thm 2),
/// `intervention` (by name), `learningRate` η (key `lr`), `stepCount` (key `steps`), initial/final entropy H
/// (nats) and final reward J, the first-order prediction's Pearson r and max errors, summed
/// intervention-touched and PPO-clipped samples, and the fit J = −a·e^H + b (`law_a`, `law_b`,
/// `law_ceiling` = b − a, `law_rmse`; nil when the fit is undefined), the ``TrainingSettings``
/// (`settings`: every setting read with its value and whether it was the default) and `warnings`.
public struct RunSummary: Sendable, Codable, Equatable {
  public let environment: String
  public let rule: UpdateRule.Kind
  /// Whether the rule follows the natural gradient (the per-step covariance is then Cov(log π, A)).
  public let naturalGradient: Bool
  public let intervention: EntropyIntervention.Kind
  public let learningRate: Double
  public let stepCount: Int
  public let initialEntropy: Double
  public let finalEntropy: Double
  public let finalReward: Double
  public let pearsonFirstOrder: Double?
  public let maxErrorFirstOrder: Double
  public let maxErrorSecondOrder: Double
  public let totalInterventionTouched: Int
  public let totalPPOClipped: Int
  public let fitA: Double?
  public let fitB: Double?
  public let fitCeiling: Double?
  public let fitRMSE: Double?
  /// The settings the run used (nil only when read from a file written without them).
  public let settings: TrainingSettings?
  /// Warnings about the run's settings, e.g. a setting given that the run does not read (nil only
  /// when read from a file written without them).
  public let warnings: [String]?

  /// Summarises `run`, trained with `update` (built from `rule`) and `intervention` with
  /// `settings`, and the caller's `warnings` about them.
  ///
  /// - Precondition: `run.steps` is not empty.
  /// - Complexity: O(steps) (the prediction accuracy and the entropy–performance fit).
  public init(
    run: TrainingRun, rule: UpdateRule.Kind, update: UpdateRule, intervention: EntropyIntervention.Kind, learningRate: Double,
    environment: String, settings: TrainingSettings? = nil, warnings: [String] = []
  ) {
    let acc = run.predictionAccuracy
    let fit = run.entropyPerformanceFit
    self.environment = environment
    self.rule = rule
    self.naturalGradient = update.isNaturalGradient
    self.intervention = intervention
    self.learningRate = learningRate
    self.stepCount = run.steps.count
    self.initialEntropy = run.steps[0].entropy
    self.finalEntropy = run.finalEntropy
    self.finalReward = run.finalReward
    self.pearsonFirstOrder = acc.pearson.isFinite ? acc.pearson : nil  // undefined (a constant series): no NaN
    self.maxErrorFirstOrder = acc.maxFirstOrderError
    self.maxErrorSecondOrder = acc.maxSecondOrderError
    self.totalInterventionTouched = run.steps.reduce(0) { $0 + $1.interventionTouched }
    self.totalPPOClipped = run.steps.reduce(0) { $0 + $1.ppoClipped }
    self.fitA = fit?.a
    self.fitB = fit?.b
    self.fitCeiling = fit?.ceiling
    self.fitRMSE = fit?.rootMeanSquareError
    self.settings = settings
    self.warnings = warnings
  }

  /// The JSON keys (snake_case).
  public enum CodingKeys: String, CodingKey {
    case environment, rule, intervention
    case naturalGradient = "natural_gradient"
    case learningRate = "lr"
    case stepCount = "steps"
    case initialEntropy = "initial_entropy"
    case finalEntropy = "final_entropy"
    case finalReward = "final_reward"
    case pearsonFirstOrder = "pearson_first_order"
    case maxErrorFirstOrder = "max_error_first_order"
    case maxErrorSecondOrder = "max_error_second_order"
    case totalInterventionTouched = "intervention_touched"
    case totalPPOClipped = "ppo_clipped"
    case fitA = "law_a"
    case fitB = "law_b"
    case fitCeiling = "law_ceiling"
    case fitRMSE = "law_rmse"
    case settings, warnings
  }
}
