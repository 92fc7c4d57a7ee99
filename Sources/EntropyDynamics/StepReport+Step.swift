// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

extension StepReport {
  /// How the logit step Δz of a ``StepReport`` is formed.
  public enum Step: Sendable {
    /// An arbitrary raw-logit step Δz (`rule` "delta").
    case logitStep([Double])
    /// The exact PG or NPG step of `rule` for rewards r and learning rate η (`rule` "pg" or "npg").
    case policyGradient(PolicyGradientRule, rewards: [Double], learningRate: Double)
    /// One sampled token k with advantage A and learning rate η, Δz = η·A·(e_k − π), with its
    /// polarity split (`rule` "token").
    case sampledToken(Int, advantage: Double, learningRate: Double)
  }

  /// The report of one step of `policy`: ΔH exact, first order −Cov_π(log π, Δz/T), second order
  /// (+ ½ (Δz/T)ᵀ ∇²H (Δz/T)), the polarity split of a sampled token, the trust scale s* at
  /// tolerance ε and, when Δz = η·d is linear in a learning rate η, the trust radius in η: the
  /// largest |η| whose step keeps the second-order term within ε of the first, |η|·s* = s*(d),
  /// computed as the trust scale of the step at η = 1 (so it is defined at η = 0 and for an η so
  /// small that the step's quadratic term underflows); it is +∞ when the step at η = 1 is zero
  /// (all advantages 0), and nil for a `.logitStep`.
  ///
  /// - Precondition: `trustTolerance` is finite and > 0.
  /// - Throws: `StepReportError.stepOverflow` when a finite η and a finite advantage give a step
  ///   beyond Double's range (η·A for a token, η·π_i·A_i or η·A_i for PG/NPG), or a step whose
  ///   result (ΔH, its second-order term, a polarity term) is not finite; `.softmax` for a step or
  ///   rewards of the wrong length, a non-finite element, an action out of range, rewards whose
  ///   spread overflows Double or updated logits that overflow; `.notFinite` when a result of a
  ///   raw logit step is not finite.
  /// - Complexity: O(K).
  public init(policy: SoftmaxPolicy, step: Step, trustTolerance: Double) throws(StepReportError) {
    try Self.checkStepRange(of: step, policy: policy)
    do {
      try self.init(checkedPolicy: policy, step: step, trustTolerance: trustTolerance)
    } catch {
      throw .softmax(error)
    }
    let values = [entropy, entropyAfter, deltaActual, deltaFirstOrder, deltaSecondOrder]
      + [sampledTerm, correctionTerm, polarity].compactMap { $0 }
    guard values.contains(where: { !$0.isFinite }) else { return }
    // With a learning rate the step's size is η·A: name them (the logits are finite and the
    // updated logits were formed, so the overflow is the step's).
    switch step {
    case .logitStep:
      throw .notFinite
    case .sampledToken(_, let advantage, let lr):
      throw .stepOverflow(learningRate: lr, advantage: advantage)
    case .policyGradient(_, let rewards, let lr):
      let largest = (try? policy.advantages(rewards))?.max { abs($0) < abs($1) }
      throw largest.map { .stepOverflow(learningRate: lr, advantage: $0) } ?? .notFinite
    }
  }

  /// Throws ``StepReportError/stepOverflow(learningRate:advantage:)`` when η and the advantages
  /// are finite but the step they form is not: α = η·A of a token step, or the first element of
  /// a PG/NPG step (η·π_i·A_i, η·A_i) that overflows, named with its A_i. Anything else wrong with
  /// the step (a length, an action out of range, a non-finite η) is left to the step's own checks.
  private static func checkStepRange(of step: Step, policy: SoftmaxPolicy) throws(StepReportError) {
    switch step {
    case .logitStep:
      return
    case .sampledToken(let token, let advantage, let lr):
      guard policy.probabilities.indices.contains(token), lr.isFinite, advantage.isFinite else { return }
      if !(lr * advantage).isFinite { throw .stepOverflow(learningRate: lr, advantage: advantage) }
    case .policyGradient(let rule, let rewards, let lr):
      guard lr.isFinite, let advantages = try? policy.advantages(rewards) else { return }
      let delta = rule.logitStep(for: policy, advantages: advantages, learningRate: lr)
      if let i = delta.firstIndex(where: { !$0.isFinite }) {
        throw .stepOverflow(learningRate: lr, advantage: advantages[i])
      }
    }
  }

  private init(checkedPolicy policy: SoftmaxPolicy, step: Step, trustTolerance: Double) throws(SoftmaxError) {
    let logitStep: [Double]
    var split: EntropyPolarity?
    let rule: String
    switch step {
    case .logitStep(let delta):
      (logitStep, rule) = (delta, "delta")
    case .policyGradient(let gradientRule, let rewards, let lr):
      logitStep = try gradientRule.logitStep(for: policy, rewards: rewards, learningRate: lr)
      rule = gradientRule.rawValue
    case .sampledToken(let token, let advantage, let lr):
      let p = try EntropyPolarity(policy: policy, token: token, advantage: advantage, learningRate: lr)
      (split, logitStep, rule) = (p, p.logitStep(for: policy), "token")
    }
    let change = try entropyChange(of: policy, logitStep: logitStep)
    let scale = try EntropyDynamics.trustScale(of: policy, logitStep: logitStep, tolerance: trustTolerance)
    // The radius in η is s*(d) for the step d at η = 1 (s* scales as 1/|c| under d → c·d, so this
    // is |η|·s*), defined at η = 0 (where η·s* would be 0·∞ = NaN) and not lost when a tiny η makes
    // the step's quadratic term underflow (where s* would read ∞). It is evaluated on d/‖d‖∞ and
    // divided by ‖d‖∞, so a huge d does not overflow the two terms either.
    let unitStep: [Double]?
    switch step {
    case .logitStep: unitStep = nil
    case .policyGradient(let gradientRule, let rewards, _):
      unitStep = try gradientRule.logitStep(for: policy, rewards: rewards, learningRate: 1)
    case .sampledToken(let token, let advantage, _):
      unitStep = try EntropyPolarity(policy: policy, token: token, advantage: advantage, learningRate: 1).logitStep(for: policy)
    }
    var radius: Double? = nil
    if let unitStep {
      let size = unitStep.map(abs).max() ?? 0
      radius = size == 0
        ? .infinity
        : try EntropyDynamics.trustScale(of: policy, logitStep: unitStep.map { $0 / size }, tolerance: trustTolerance) / size
    }
    self.init(
      rule: rule, temperature: policy.temperature, entropy: change.entropyBefore, entropyAfter: change.entropyAfter,
      deltaActual: change.actual, deltaFirstOrder: change.firstOrder, deltaSecondOrder: change.secondOrder,
      sampledTerm: split?.sampledTerm, correctionTerm: split?.correctionTerm, polarity: split?.polarity,
      quadrant: split?.quadrant.rawValue, logitStep: logitStep, trustTolerance: trustTolerance, trustScale: scale,
      trustRadiusLR: radius)
  }
}

/// Why a ``StepReport`` could not be computed.
public enum StepReportError: Error, Equatable, CustomStringConvertible {
  /// The policy, the step or the rewards were rejected (wrong length, non-finite, out of range).
  case softmax(SoftmaxError)
  /// A result is not finite: the logits or the step are too large for Double arithmetic.
  case notFinite
  /// The learning rate η and the advantage A are finite but the step they form (η·A, or
  /// η·π_i·A_i for PG), or a result computed from it (ΔH, its second-order term, a polarity
  /// term), is beyond Double's range. A is the token's advantage; for PG/NPG the advantage
  /// A_i = r_i − πᵀr of the first step element that overflows, or the largest |A_i| when the
  /// step is finite and a result is not.
  case stepOverflow(learningRate: Double, advantage: Double)

  public var description: String {
    switch self {
    case .softmax(let e): e.description
    case .notFinite: "the result is not finite: the logits or the step are too large for Double arithmetic (|z|, |Δz| near 1e308)"
    case let .stepOverflow(eta, a):
      "the step is too large for Double arithmetic: learning rate η = \(eta) with advantage A = \(a) overflows ±1.8e308 (in the step or its second-order term); a smaller η or |A| keeps it finite"
    }
  }
}
