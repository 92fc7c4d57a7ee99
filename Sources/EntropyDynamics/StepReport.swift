// DeltaH — entropy change of softmax policies.

/// One logit step of a softmax policy (`deltah step`): the exact entropy change and its first- and
/// second-order predictions (Cui et al. Lemma 1: ΔH ≈ −Cov_π(log π, Δz/T); second order adds
/// ½ (Δz/T)ᵀ ∇²H (Δz/T)), for a one-token step its polarity split, and the trust radius.
///
/// Fields: `rule` (how Δz was formed: "delta", "pg", "npg", "token"), `temperature` T, `entropy` and
/// `entropyAfter` (nats), `deltaActual`, `deltaFirstOrder`, `deltaSecondOrder`; for one sampled
/// token `sampledTerm` −(α/T)S_k, `correctionTerm` +(α/T)E_π[S], `polarity` (their sum) and its
/// `quadrant`; `logitStep` Δz; `trustTolerance` ε, `trustScale` s* and, when Δz = η·d is linear in
/// η, `trustRadiusLR` |η|·s* = s*(d), the trust scale of the step at η = 1 (∞ is written "inf").
public struct StepReport: Sendable, Codable, Equatable {
  public let rule: String
  public let temperature: Double
  public let entropy: Double
  public let entropyAfter: Double
  public let deltaActual: Double
  public let deltaFirstOrder: Double
  public let deltaSecondOrder: Double
  public let sampledTerm: Double?
  public let correctionTerm: Double?
  public let polarity: Double?
  public let quadrant: String?
  public let logitStep: [Double]
  /// ε, s* and, for rules with a learning rate (Δz = η·d linear in η), |η|·s* = s*(d). ∞ is
  /// written "inf".
  public let trustTolerance: Double
  public let trustScale: Double
  public let trustRadiusLR: Double?

  /// The JSON keys of `deltah step --json` (snake_case).
  public enum CodingKeys: String, CodingKey {
    case trustTolerance = "trust_tolerance"
    case trustScale = "trust_scale"
    case trustRadiusLR = "trust_radius_lr"
    case rule, temperature, entropy, polarity, quadrant
    case entropyAfter = "entropy_after"
    case deltaActual = "delta_actual"
    case deltaFirstOrder = "delta_first_order"
    case deltaSecondOrder = "delta_second_order"
    case sampledTerm = "sampled_term"
    case correctionTerm = "correction_term"
    case logitStep = "logit_step"
  }

  public init(
    rule: String, temperature: Double, entropy: Double, entropyAfter: Double, deltaActual: Double,
    deltaFirstOrder: Double, deltaSecondOrder: Double, sampledTerm: Double?, correctionTerm: Double?,
    polarity: Double?, quadrant: String?, logitStep: [Double], trustTolerance: Double, trustScale: Double,
    trustRadiusLR: Double?
  ) {
    self.rule = rule
    self.temperature = temperature
    self.entropy = entropy
    self.entropyAfter = entropyAfter
    self.deltaActual = deltaActual
    self.deltaFirstOrder = deltaFirstOrder
    self.deltaSecondOrder = deltaSecondOrder
    self.sampledTerm = sampledTerm
    self.correctionTerm = correctionTerm
    self.polarity = polarity
    self.quadrant = quadrant
    self.logitStep = logitStep
    self.trustTolerance = trustTolerance
    self.trustScale = trustScale
    self.trustRadiusLR = trustRadiusLR
  }
}
