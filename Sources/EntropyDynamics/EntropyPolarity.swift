// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The signed first-order entropy change of one sampled-token update, split into a sampled-token
/// term and a state-wise distributional correction (docs/theory.md#polarity; PAPO and Wang et al.
/// 2602.03392 describe the same decomposition).
///
/// Token k sampled at a state with policy π = softmax(z/T), effective step α = η·c·A (c = importance
/// ratio × not-clipped indicator; 1 for plain REINFORCE), raw-logit update Δz = α (e_k − π):
///
///     Sᵢ = πᵢ (log πᵢ + H),    E_π[S] = Σᵢ πᵢ Sᵢ ≥ 0
///     sampled-token term     = −(α/T) S_k
///     distributional term    = +(α/T) E_π[S]
///     polarity P             = (α/T) (E_π[S] − S_k)     (= −Cov_π(log π, Δz/T))
///
/// P > 0 predicts entropy expansion, P < 0 contraction.
public struct EntropyPolarity: Sendable, Equatable {
  /// The sampled token k.
  public let token: Int
  /// π_k.
  public let probability: Double
  /// log π_k.
  public let logProbability: Double
  /// H of the state's policy.
  public let entropy: Double
  /// S_k = π_k (log π_k + H).
  public let discriminator: Double
  /// E_π[S].
  public let expectedDiscriminator: Double
  /// α = η · c · A.
  public let stepSize: Double
  /// −(α/T) S_k.
  public let sampledTerm: Double
  /// +(α/T) E_π[S].
  public let correctionTerm: Double

  /// The predicted first-order change, sampled term + correction.
  ///
  /// - Complexity: O(1).
  @inlinable public var polarity: Double { sampledTerm + correctionTerm }

  /// Whether the sampled token sits above the single-logit threshold: log π_k > −H, equivalently
  /// π_k > e^(−H), equivalently S_k > 0 (raising z_k alone would lower the entropy).
  ///
  /// - Complexity: O(1).
  @inlinable public var isAboveThreshold: Bool { logProbability > -entropy }

  /// The quadrant of (advantage sign, probability above or below e^(−H)). The sign is that of the
  /// step α = η·c·A, which is the advantage's for η > 0 and c > 0; α = 0 (A = 0, or a clipped
  /// token with c = 0) counts as negative.
  ///
  /// - Complexity: O(1).
  @inlinable public var quadrant: PolarityQuadrant {
    PolarityQuadrant(advantageIsPositive: stepSize > 0, probabilityIsHigh: isAboveThreshold)
  }

  /// The polarity of sampling `token` with advantage A.
  ///
  /// - Parameters:
  ///   - policy: the state's policy softmax(z/T).
  ///   - token: the sampled action k.
  ///   - advantage: A.
  ///   - learningRate: η.
  ///   - importanceWeight: c = ρ·I (ratio × not-clipped); 1 for plain REINFORCE.
  /// - Throws: `SoftmaxError` when k is out of range or a scalar is not finite.
  /// - Complexity: O(K).
  public init(
    policy: SoftmaxPolicy, token: Int, advantage: Double, learningRate: Double,
    importanceWeight: Double = 1
  ) throws(SoftmaxError) {
    guard policy.probabilities.indices.contains(token) else {
      throw .actionOutOfRange(index: token, actions: policy.actionCount)
    }
    for (name, v) in [("advantage", advantage), ("learning rate", learningRate), ("importance weight", importanceWeight)]
    where !v.isFinite {
      throw .nonFiniteInput(name: name, index: 0, value: v)
    }
    let alpha = learningRate * importanceWeight * advantage
    let p = policy.probabilities[token]
    let logp = policy.logProbabilities[token]
    let s = p * (logp + policy.entropy)
    let es = policy.expectedEntropyDiscriminator
    let scale = alpha / policy.temperature
    self.token = token
    self.probability = p
    self.logProbability = logp
    self.entropy = policy.entropy
    self.discriminator = s
    self.expectedDiscriminator = es
    self.stepSize = alpha
    self.sampledTerm = 0 - scale * s  // 0 − x: a zero term is 0, not −0
    self.correctionTerm = scale * es
  }

  /// The polarity P = (α/T)(E_π[S] − S_k) of a sampled-token step of size α from its
  /// discriminators: the one formula every trainer uses for a token's first-order ΔH (the
  /// tabular trainer's OPEFO and polarity weights, and the polarity factors g = P/A it gives
  /// token weightings). Equals ``polarity`` up to rounding (that one sums the two terms).
  ///
  /// - Parameters:
  ///   - stepSize: α = η · c · A (or η · c for the factor per unit advantage).
  ///   - discriminator: S_k = π_k (log π_k + H).
  ///   - expectedDiscriminator: E_π[S].
  ///   - temperature: T (default 1; α/1 = α exactly).
  /// - Complexity: O(1).
  @inlinable public static func firstOrder(
    stepSize: Double, discriminator: Double, expectedDiscriminator: Double, temperature: Double = 1
  ) -> Double {
    stepSize / temperature * (expectedDiscriminator - discriminator)
  }

  /// The raw-logit update of this sampled token, Δz = α (e_k − π).
  ///
  /// - Complexity: O(K).
  public func logitStep(for policy: SoftmaxPolicy) -> [Double] {
    policy.probabilities.enumerated().map { i, p in stepSize * ((i == token ? 1 : 0) - p) }
  }
}

/// The four (advantage sign × token probability) regions of the polarity analysis, with their
/// first-order tendency when the token is above/below e^(−H) and not in the correction band:
///
///     A > 0, π_k > e^(−H): contracts      A > 0, π_k < e^(−H): expands (always)
///     A < 0, π_k > e^(−H): expands        A < 0, π_k < e^(−H): contracts (always)
public enum PolarityQuadrant: String, Sendable, CaseIterable, Codable {
  case positiveAdvantageHighProbability = "A>0,p>e^-H"
  case positiveAdvantageLowProbability = "A>0,p<e^-H"
  case negativeAdvantageHighProbability = "A<0,p>e^-H"
  case negativeAdvantageLowProbability = "A<0,p<e^-H"

  /// The quadrant for an advantage sign (A = 0 counts as negative: it moves nothing) and a
  /// probability position.
  ///
  /// - Complexity: O(1).
  public init(advantageIsPositive: Bool, probabilityIsHigh: Bool) {
    switch (advantageIsPositive, probabilityIsHigh) {
    case (true, true): self = .positiveAdvantageHighProbability
    case (true, false): self = .positiveAdvantageLowProbability
    case (false, true): self = .negativeAdvantageHighProbability
    case (false, false): self = .negativeAdvantageLowProbability
    }
  }
}
