// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import GSLSupport
import SoftmaxEntropy

/// Trains a tabular softmax policy (the logits are the parameters, one vector per state) on a
/// ``TabularEnvironment`` with an ``UpdateRule``, recording every step's entropy change next to its
/// first- and second-order predictions.
///
/// Sampling uses one seeded GSL mt19937 stream, so the same seed reproduces a run bit for bit.
/// A reference type: the generator is shared state. Not thread-safe.
public final class TabularTrainer {
  /// The environment.
  public let environment: any TabularEnvironment
  /// The update rule.
  public let rule: UpdateRule
  /// η.
  public let learningRate: Double
  /// Per-state or visitation-weighted step (the latter's discount must equal the environment's).
  public let scaling: StateStepScaling
  /// The current logits z(s, ·).
  public private(set) var logits: [[Double]]
  /// The number of steps taken.
  public private(set) var stepCount = 0
  /// Σ_s d(s) H_s at every step so far, the current one last.
  public private(set) var entropyHistory: [Double] = []

  let generator: MersenneTwister
  var policies: [SoftmaxPolicy]
  var evaluation: PolicyEvaluation

  /// - Parameters:
  ///   - environment: a bandit or MDP.
  ///   - initialLogits: z₀(s, ·), S vectors of K finite logits.
  ///   - rule: the update rule.
  ///   - learningRate: η (finite, > 0).
  ///   - scaling: `.perState` (Cui et al.'s form) or `.visitationWeighted(discount: γ)`.
  ///   - seed: the mt19937 seed of the sampling stream (unused by exact rules).
  /// - Throws: `TabularPolicyError` naming the bad argument.
  /// - Complexity: one policy evaluation.
  public init(
    environment: any TabularEnvironment, initialLogits: [[Double]], rule: UpdateRule, learningRate: Double,
    scaling: StateStepScaling = .perState, seed: UInt64 = 0
  ) throws(TabularPolicyError) {
    try require(
      initialLogits.count == environment.stateCount, "initialLogits",
      "has \(initialLogits.count) states, environment has \(environment.stateCount)")
    for (s, z) in initialLogits.enumerated() {
      try require(z.count == environment.actionCount, "initialLogits", "state \(s) has \(z.count) logits, environment has \(environment.actionCount) actions")
      try requireFinite(z, "initialLogits[\(s)]")
    }
    try require(learningRate.isFinite && learningRate > 0, "learningRate", "η must be finite and > 0, got \(learningRate)")
    if case .visitationWeighted(let gamma) = scaling {
      try require(gamma == environment.discount, "scaling", "discount \(gamma) differs from the environment's γ = \(environment.discount)")
    }
    switch rule {
    case .exact(let e):
      switch e {
      case .entropyBonus(let alpha, _):
        try require(alpha.isFinite && alpha >= 0, "coefficient", "entropy bonus α must be finite and ≥ 0, got \(alpha)")
      case .policyGradient, .naturalPolicyGradient, .temperatureReinforcement: break
      }
    case .sampled(let s): try s.validate()
    }
    self.environment = environment
    self.rule = rule
    self.learningRate = learningRate
    self.scaling = scaling
    self.logits = initialLogits
    self.generator = MersenneTwister(seed: seed)
    self.policies = try Self.makePolicies(initialLogits)
    self.evaluation = try environment.evaluate(policies)
  }

  static func makePolicies(_ logits: [[Double]]) throws(TabularPolicyError) -> [SoftmaxPolicy] {
    var out: [SoftmaxPolicy] = []
    out.reserveCapacity(logits.count)
    for (s, z) in logits.enumerated() {
      do { out.append(try SoftmaxPolicy(logits: z)) } catch {
        throw TabularPolicyError(argument: "logits[\(s)]", cause: .softmax(error))
      }
    }
    return out
  }

  /// Σ_s d(s) H_s of the current policy.
  ///
  /// - Complexity: O(S).
  public var entropy: Double { weightedEntropy(policies, evaluation.stateWeights) }

  /// J of the current policy.
  ///
  /// - Complexity: O(1).
  public var expectedReturn: Double { evaluation.expectedReturn }

  /// The current per-state policies.
  ///
  /// - Complexity: O(1).
  public var currentPolicies: [SoftmaxPolicy] { policies }

  /// The step factor c_s: 1 per state; d(s)/(1−γ) (vanilla) or 1/(1−γ) (natural) visitation-weighted.
  func stepFactor(state s: Int, natural: Bool) -> Double {
    switch scaling {
    case .perState: return 1
    case .visitationWeighted(let gamma):
      return natural ? 1 / (1 - gamma) : evaluation.stateWeights[s] / (1 - gamma)
    }
  }

  /// Takes one update step and returns its record.
  ///
  /// - Throws: `TabularPolicyError` if the logits overflow, a step's entropy changes, flows or
  ///   covariances are not finite in Double (η or a coefficient too large), or an evaluation fails.
  /// - Complexity: O(S K) per exact step plus the environment's evaluation; sampled steps add
  ///   O(epochs · S (K + G)) (O(N log N) per epoch for KL-Cov and forking masks).
  @discardableResult
  public func advance() throws(TabularPolicyError) -> StepRecord {
    let h = entropy
    entropyHistory.append(h)
    let advantages = policies.indices.map { policies[$0].centred(evaluation.actionValues[$0]) }
    let discriminators = policies.map(\.entropyDiscriminator)
    let outcome: StepOutcome
    switch rule {
    case .exact(let e):
      outcome = try exactStep(e, currentEntropy: h, advantages: advantages, discriminators: discriminators)
    case .sampled(let s): outcome = try sampledStep(s, currentEntropy: h)
    }
    let weights = evaluation.stateWeights
    var changes: [EntropyChange] = [], covPG = 0.0, covNPG = 0.0
    changes.reserveCapacity(policies.count)
    for s in policies.indices {
      // ΔH of the logit step the rule took, exact and to first (Lemma 1) and second order.
      do { changes.append(try entropyChange(from: policies[s], to: outcome.policies[s])) } catch {
        throw Self.stepFailure(error, state: s, step: stepCount)
      }
      let old = policies[s], disc = discriminators[s], a = advantages[s], d = weights[s]
      covPG += d * compensatedSum(a.indices.lazy.map { disc[$0] * old.probabilities[$0] * a[$0] })
      covNPG += d * compensatedDot(disc, a)
    }
    // The policy-level figures weight the states by the visitation d(s) of the current step.
    let change: MultiStateEntropyChange
    do { change = try MultiStateEntropyChange(states: changes, weights: weights) } catch {
      throw TabularPolicyError(argument: "stateWeights", cause: .softmax(error))
    }
    let (actual, first, second) = (change.actual, change.firstOrder, change.secondOrder)
    let newEvaluation = try environment.evaluate(outcome.policies)
    var visitation = 0.0
    for s in policies.indices where newEvaluation.stateWeights[s] != weights[s] {
      visitation += (newEvaluation.stateWeights[s] - weights[s]) * outcome.policies[s].entropy
    }
    // A step so large (η, a coefficient) that Double overflows would print NaN/inf as a result:
    // refuse it, naming the step and what to lower.
    let figures = [actual, first, second, visitation, covPG, covNPG, outcome.expandingFlow, outcome.contractingFlow]
    guard figures.allSatisfy(\.isFinite), outcome.policies.allSatisfy({ $0.entropy.isFinite }) else {
      throw TabularPolicyError(
        argument: TabularPolicyError.stepSizeArgument,
        problem: "step \(stepCount) overflowed Double (ΔH actual \(actual), first order \(first), second order \(second)); lower the learning rate η or the coefficients")
    }
    var record = StepRecord(
      step: stepCount, entropy: h, reward: evaluation.expectedReturn, deltaActual: actual, deltaFirstOrder: first,
      deltaSecondOrder: second, deltaVisitation: visitation, covariancePolicyGradient: covPG,
      covarianceNatural: covNPG, expandingFlow: outcome.expandingFlow, contractingFlow: outcome.contractingFlow,
      samples: outcome.samples, ppoClipped: outcome.ppoClipped, interventionTouched: outcome.touched,
      flowBalanceLambda: outcome.lambda, reinforcementTemperature: outcome.temperature)
    record.exploration = ExplorationMetrics(policies: policies, evaluation: evaluation)
    policies = outcome.policies
    logits = policies.map(\.logits)
    evaluation = newEvaluation
    stepCount += 1
    return record
  }

  /// The error of a step whose entropy change could not be measured: a logit step that is not
  /// finite (z_new − z_old overflowed: η or a coefficient too large) is the step-size error;
  /// others are kept as the cause.
  static func stepFailure(_ error: SoftmaxError, state s: Int, step: Int) -> TabularPolicyError {
    if case .nonFiniteInput = error {
      return TabularPolicyError(
        argument: TabularPolicyError.stepSizeArgument,
        problem: "step \(step) overflowed Double (the logit step of state \(s) is not finite); lower the learning rate η or the coefficients")
    }
    return TabularPolicyError(argument: "logits[\(s)]", cause: .softmax(error))
  }

  /// Runs `steps` updates and summarises them.
  ///
  /// - Throws: `TabularPolicyError` as ``advance()``, and before the first step for more than
  ///   ``TabularProblem/maximumSteps`` steps or a run whose work T × S × K (× G × epochs for a
  ///   sampled rule) is out of bounds (``TabularProblem/checkSampledWork(states:actions:steps:samplesPerState:epochs:)``).
  /// - Complexity: `steps` × ``advance()``.
  public func run(steps: Int) throws(TabularPolicyError) -> TrainingRun {
    try require(steps >= 1, "steps", "must be ≥ 1, got \(steps)")
    // Every step keeps a record: the count is bounded before the records are reserved, and so is
    // the run's work T × S × K, times G × epochs for a sampled rule (G, epochs ≥ 1, so one check
    // bounds both).
    try require(steps <= TabularProblem.maximumSteps, "steps", "at most \(TabularProblem.maximumSteps) steps (each keeps a record), got \(steps)")
    let (samples, epochs) = if case .sampled(let s) = rule { (s.samplesPerState, s.epochs) } else { (1, 1) }
    try TabularProblem.checkSampledWork(
      states: environment.stateCount, actions: environment.actionCount, steps: steps, samplesPerState: samples, epochs: epochs)
    var records: [StepRecord] = []
    records.reserveCapacity(steps)
    for _ in 0..<steps { records.append(try advance()) }
    return TrainingRun(steps: records, finalEntropy: entropy, finalReward: expectedReturn)
  }
}

/// The result of one rule's step, before the common bookkeeping.
struct StepOutcome {
  var policies: [SoftmaxPolicy]
  var expandingFlow = 0.0
  var contractingFlow = 0.0
  var samples = 0
  var ppoClipped = 0
  var touched = 0
  var lambda: Double? = nil
  var temperature: Double? = nil

  mutating func addFlow(_ value: Double, weight: Double) {
    if value > 0 { expandingFlow += weight * value } else { contractingFlow -= weight * value }
  }
}

func weightedEntropy(_ policies: [SoftmaxPolicy], _ weights: [Double]) -> Double {
  compensatedSum(policies.indices.lazy.map { weights[$0] * policies[$0].entropy })
}
