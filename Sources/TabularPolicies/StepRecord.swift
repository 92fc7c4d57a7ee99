// DeltaH — entropy change of softmax policies.

/// What one update step did, from the policy at step i to the policy at step i + 1. State
/// averages use the state weights d(s) of step i (visitation d^π for an MDP):
///
///     entropy            Σ_s d(s) H_s                        (step i)
///     reward             J                                    (step i)
///     deltaActual        Σ_s d(s) (H_s' − H_s)                (exact, weights held at step i)
///     deltaFirstOrder    Σ_s d(s) [−Cov_{π_s}(log π_s, Δz_s)]  (Lemma 1 on the whole step)
///     deltaSecondOrder   deltaFirstOrder + Σ_s d(s) ½ Δz_sᵀ ∇²H_s Δz_s
///     deltaVisitation    Σ_s (d'(s) − d(s)) H_s'              (0 for bandits)
///
/// so entropy(i+1) − entropy(i) = deltaActual + deltaVisitation.
public struct StepRecord: Sendable, Equatable, Codable {
  /// i.
  public let step: Int
  /// Σ_s d(s) H_s.
  public let entropy: Double
  /// J at step i.
  public let reward: Double
  /// Exact change with fixed weights.
  public let deltaActual: Double
  /// First-order prediction.
  public let deltaFirstOrder: Double
  /// Second-order prediction.
  public let deltaSecondOrder: Double
  /// Change of the weighted entropy due to moving state weights (MDP only).
  public let deltaVisitation: Double
  /// Σ_s d(s) Cov_{π_s}(log π_s, π_s ⊙ A_s), the PG covariance (Cui et al. Thm 1), evaluated as
  /// Σ_a S_a π_a A_a (S = π ⊙ (log π + H) sums to 0, so no centring is needed).
  public let covariancePolicyGradient: Double
  /// Σ_s d(s) Cov_{π_s}(log π_s, A_s), the NPG covariance (Cui et al. Thm 2).
  public let covarianceNatural: Double
  /// Φ+, the weighted sum of the step's positive first-order contributions (per sampled token for
  /// sampled rules, per action −S_a(Δz_a − E_π Δz) for exact ones).
  public let expandingFlow: Double
  /// Φ−, the weighted sum of |negative contributions|; Φ+ − Φ− = deltaFirstOrder.
  public let contractingFlow: Double
  /// Sampled tokens (0 for exact rules), including π^T samples.
  public let samples: Int
  /// Token-epochs whose PPO term was clipped (incl. dual clip); under a rule whose weight carries
  /// the ratio (PPO clip, CISPO, BAPO, HAPO, annealed KL-Cov) the token-epochs its own weight removed.
  public let ppoClipped: Int
  /// Token(-epoch)s the intervention changed: detached (Clip-Cov), penalised (KL-Cov), weight ≠ 1
  /// (STEER, OPEFO, polarity), dropped (Entrocraft, forking).
  public let interventionTouched: Int
  /// OPEFO's λ* at this step, when used.
  public let flowBalanceLambda: Double?
  /// The π^T temperature used at this step, when temperature reinforcement is on.
  public let reinforcementTemperature: Double?
  /// pass@k, effective support and support at 1e-3 of the policy at step i (``ExplorationMetrics``).
  public var exploration: ExplorationMetrics? = nil

  public init(
    step: Int, entropy: Double, reward: Double, deltaActual: Double, deltaFirstOrder: Double,
    deltaSecondOrder: Double, deltaVisitation: Double, covariancePolicyGradient: Double,
    covarianceNatural: Double, expandingFlow: Double, contractingFlow: Double, samples: Int,
    ppoClipped: Int, interventionTouched: Int, flowBalanceLambda: Double?, reinforcementTemperature: Double?
  ) {
    self.step = step
    self.entropy = entropy
    self.reward = reward
    self.deltaActual = deltaActual
    self.deltaFirstOrder = deltaFirstOrder
    self.deltaSecondOrder = deltaSecondOrder
    self.deltaVisitation = deltaVisitation
    self.covariancePolicyGradient = covariancePolicyGradient
    self.covarianceNatural = covarianceNatural
    self.expandingFlow = expandingFlow
    self.contractingFlow = contractingFlow
    self.samples = samples
    self.ppoClipped = ppoClipped
    self.interventionTouched = interventionTouched
    self.flowBalanceLambda = flowBalanceLambda
    self.reinforcementTemperature = reinforcementTemperature
  }

  enum CodingKeys: String, CodingKey {
    case step, entropy, reward, samples
    case deltaActual = "delta_actual"
    case deltaFirstOrder = "delta_first_order"
    case deltaSecondOrder = "delta_second_order"
    case deltaVisitation = "delta_visitation"
    case covariancePolicyGradient = "cov_pg"
    case covarianceNatural = "cov_npg"
    case expandingFlow = "phi_plus"
    case contractingFlow = "phi_minus"
    case ppoClipped = "ppo_clipped"
    case interventionTouched = "intervention_touched"
    case flowBalanceLambda = "opefo_lambda"
    case reinforcementTemperature = "aepo_temperature"
    case exploration
  }
}
