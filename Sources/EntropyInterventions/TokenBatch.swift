// DeltaH — entropy change of softmax policies.

import RealModule
import SoftmaxEntropy

/// One batch of sampled tokens, as every token-level entropy intervention sees it.
///
/// Per token t (flat order; entries at invalid tokens are ignored and may be anything finite or
/// not):
///
///     ℓ_t      = log π_θ(y_t)                  current log-probability of the sampled token
///     ℓ_t^old  = log π_old(y_t)                behaviour-policy log-probability (nil: on-policy)
///     r_t      = exp(ℓ_t − ℓ_t^old)            importance ratio (1 when ℓ^old is nil)
///     A_t, H_t                                 advantage and entropy of the position's distribution
///     Cov_t    = (ℓ_t − ℓ̄)(A_t − Ā)            centred product over valid tokens (Cui et al. Eq. 10)
///     g_t      = (η/T)(E_π[S] − S_{y_t})        first-order ΔH per unit of effective advantage
///
/// so that a token trained with effective advantage a_t changes the entropy, to first order, by
/// a_t·g_t; the plain update (a_t = A_t) gives the polarity P_t = A_t·g_t (docs/theory.md#polarity-terms).
public struct TokenBatch: Sendable {
  /// Which tokens take part (mask = 1 and finite inputs).
  public let valid: [Bool]
  /// ℓ_t.
  public let logProbabilities: [Double]
  /// ℓ_t^old, when the trainer exported it.
  public let oldLogProbabilities: [Double]?
  /// A_t.
  public let advantages: [Double]
  /// H_t (nats).
  public let entropies: [Double]
  /// Sequence of each token (consecutive tokens of one sequence are in generation order).
  public let sequenceIDs: [Int64]?
  /// Prompt group of each token.
  public let groupIDs: [Int64]?
  /// g_t, the first-order ΔH per unit effective advantage; nil without full distributions.
  public let polarityFactors: [Double]?
  /// Cov_t (0 at invalid tokens).
  public let centredProducts: [Double]
  /// Each token's full distribution and sampled index, when the producer has them (the tabular
  /// trainer); nil on token statistics from dumps. Rules that need more than H_t use it (SIREN's
  /// top-p mask).
  public var distributions: TokenDistributions? = nil

  /// Builds and checks a batch.
  ///
  /// - Parameters:
  ///   - centredProducts: Cov_t when already computed (for example per micro-batch); nil computes
  ///     the global form with compensated means.
  /// - Throws: `InterventionError` for a length mismatch, a non-finite value at a valid token, or
  ///   no valid token.
  /// - Complexity: O(N).
  public init(
    logProbabilities: [Double], advantages: [Double], entropies: [Double], valid: [Bool]? = nil,
    oldLogProbabilities: [Double]? = nil, sequenceIDs: [Int64]? = nil, groupIDs: [Int64]? = nil,
    polarityFactors: [Double]? = nil, centredProducts: [Double]? = nil
  ) throws(InterventionError) {
    let n = logProbabilities.count
    let mask = try resolvedMask(valid, count: n)
    try checkTokens(logProbabilities, count: n, valid: mask, name: "logProbabilities")
    try checkTokens(advantages, count: n, valid: mask, name: "advantages")
    try checkTokens(entropies, count: n, valid: mask, name: "entropies")
    if let oldLogProbabilities { try checkTokens(oldLogProbabilities, count: n, valid: mask, name: "oldLogProbabilities") }
    if let polarityFactors { try checkTokens(polarityFactors, count: n, valid: mask, name: "polarityFactors") }
    for (name, ids) in [("sequenceIDs", sequenceIDs), ("groupIDs", groupIDs)] {
      if let ids, ids.count != n {
        throw InterventionError(argument: name, problem: "has \(ids.count) tokens, expected \(n)")
      }
    }
    let indices = (0..<n).filter { mask[$0] }
    guard !indices.isEmpty else { throw InterventionError(argument: "valid", problem: "selects no token") }
    if let centredProducts {
      try checkTokens(centredProducts, count: n, valid: mask, name: "centredProducts")
      self.centredProducts = (0..<n).map { mask[$0] ? centredProducts[$0] : 0 }
    } else {
      let lm = compensatedSum(indices.map { logProbabilities[$0] }) / Double(indices.count)
      let am = compensatedSum(indices.map { advantages[$0] }) / Double(indices.count)
      self.centredProducts = (0..<n).map { mask[$0] ? (logProbabilities[$0] - lm) * (advantages[$0] - am) : 0 }
    }
    self.valid = mask
    self.logProbabilities = logProbabilities
    self.oldLogProbabilities = oldLogProbabilities
    self.advantages = advantages
    self.entropies = entropies
    self.sequenceIDs = sequenceIDs
    self.groupIDs = groupIDs
    self.polarityFactors = polarityFactors
  }

  /// The number of tokens (valid or not).
  ///
  /// - Complexity: O(1).
  public var count: Int { valid.count }

  /// The valid token indices, ascending.
  ///
  /// - Complexity: O(N).
  public var validIndices: [Int] { (0..<count).filter { valid[$0] } }

  /// r_t = exp(ℓ_t − ℓ_t^old), 1 without old log-probabilities (and at invalid tokens).
  ///
  /// - Complexity: O(N).
  public var ratios: [Double] {
    guard let old = oldLogProbabilities else { return Array(repeating: 1, count: count) }
    return (0..<count).map { valid[$0] ? Double.exp(logProbabilities[$0] - old[$0]) : 1 }
  }

  /// P_t = A_t·g_t (0 at invalid tokens); nil without polarity factors.
  ///
  /// - Complexity: O(N).
  public var polarity: [Double]? {
    polarityFactors.map { g in (0..<count).map { valid[$0] ? advantages[$0] * g[$0] : 0 } }
  }

  /// H_t min–max normalised over the valid tokens, ĥ_t = (H_t − min H)/(max H − min H) ∈ [0, 1];
  /// all 0 when every valid entropy is equal (and at invalid tokens).
  ///
  /// - Complexity: O(N).
  public var normalisedEntropies: [Double] {
    let v = validIndices.map { entropies[$0] }
    let lo = v.min()!, hi = v.max()!
    return (0..<count).map { valid[$0] && hi > lo ? (entropies[$0] - lo) / (hi - lo) : 0 }
  }
}

/// A token-level entropy intervention seen as what it does to each sampled token's update.
///
/// An intervention replaces the plain effective advantage A_t of token t by
///
///     a_t = w_t · A_t + b_t
///
/// with a multiplicative weight w_t (``weights(for:)``: 1 = untouched, 0 = detached, r_t for an
/// importance-weighted unclipped token) and an optional additive term b_t
/// (``advantageOffsets(for:)``, for example the sampled-token estimator of an entropy bonus).
/// Its first-order entropy change is then Σ_t a_t·g_t (see ``TokenBatch``). Weights are relative
/// to the on-policy, unclipped update (c_t = 1), so ratio-based rules include r_t. Invalid tokens
/// get w = 1, b = 0.
public protocol TokenWeighting: Sendable {
  /// A short name, as in the `whatif` table (for example `clip-cov`).
  var name: String { get }
  /// True when the rule is DeltaH's reading of a paper that states it only in words.
  var isInterpretation: Bool { get }
  /// True when w_t already carries the importance ratio and any clipping (the rule replaces PPO's
  /// surrogate: PPO clip, CISPO, BAPO, HAPO, KL-Cov); false when it multiplies the surrogate's
  /// r_t·1[not clipped] in a multi-epoch trainer.
  var includesImportanceRatio: Bool { get }
  /// w_t per token.
  func weights(for tokens: TokenBatch) throws(InterventionError) -> [Double]
  /// b_t per token, nil when the rule adds nothing.
  func advantageOffsets(for tokens: TokenBatch) throws(InterventionError) -> [Double]?
}

extension TokenWeighting {
  public var isInterpretation: Bool { false }
  public var includesImportanceRatio: Bool { false }
  /// No offsets (nil): the default for rules that only weight tokens.
  ///
  /// - Throws: nothing.
  /// - Complexity: O(1).
  public func advantageOffsets(for tokens: TokenBatch) throws(InterventionError) -> [Double]? { nil }
}

/// The identity intervention: w = 1, b = 0.
public struct NoIntervention: TokenWeighting {
  public init() {}
  public var name: String { "none" }
  /// w_t = 1 at every token.
  ///
  /// - Complexity: O(N).
  public func weights(for tokens: TokenBatch) -> [Double] { Array(repeating: 1, count: tokens.count) }
}

/// The sampled-token estimator of an entropy bonus α_t·H_t at position t, as an advantage offset:
///
///     b_t = −α_t (log π(y_t) + H_t) = −α_t u_{t, y_t}
///
/// Since E_{y∼π}[−u_y (e_y − π)] = −S = ∇_x H, the update Δz = η b_t (e_y − π) is, in expectation
/// over the sampled token, the gradient step on α_t H_t, and its first-order ΔH averages to
/// η α_t ‖S‖² ≥ 0 (docs/theory.md#entropy-bonus). Trainers that differentiate the full-distribution entropy get the
/// expectation; a single batch gets this unbiased estimate.
///
/// - Complexity: O(N).
public func entropyBonusOffsets(coefficients alpha: [Double], tokens: TokenBatch) -> [Double] {
  (0..<tokens.count).map { i in
    tokens.valid[i] && alpha[i] != 0 ? -alpha[i] * (tokens.logProbabilities[i] + tokens.entropies[i]) : 0
  }
}

/// numpy's default ("linear") quantile of ascending values: h = (n − 1)q,
/// v⌊h⌋ + (h − ⌊h⌋)(v⌊h⌋₊₁ − v⌊h⌋).
///
/// - Precondition: `sorted` is non-empty and ascending, 0 ≤ q ≤ 1.
/// - Complexity: O(1).
func linearQuantile(sorted v: [Double], _ q: Double) -> Double {
  let h = Double(v.count - 1) * q
  let lo = Int(h.rounded(.down))
  let hi = min(lo + 1, v.count - 1)
  return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
}

/// Checks a fraction in (0, 1].
func checkFraction(_ value: Double, name: String) throws(InterventionError) {
  guard value.isFinite, value > 0, value <= 1 else {
    throw InterventionError(argument: name, problem: "must be in (0, 1], got \(value)")
  }
}

/// Checks a finite non-negative number.
func checkNonNegative(_ value: Double, name: String) throws(InterventionError) {
  guard value.isFinite, value >= 0 else {
    throw InterventionError(argument: name, problem: "must be finite and ≥ 0, got \(value)")
  }
}
