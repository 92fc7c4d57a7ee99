// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The token-wise centred cross-product of log-probabilities and advantages (Cui et al. 2025,
/// Eq. 10; the quantity Clip-Cov and KL-Cov select on):
///
///     Cov_i = (ℓ_i − ℓ̄)(A_i − Ā),    ℓ̄ = (1/N) Σ_valid ℓ_j,   Ā = (1/N) Σ_valid A_j
///
/// over the N valid (mask = 1) tokens, with unweighted means. Its batch mean (1/N) Σ Cov_i is the
/// biased sample covariance of (log π, A). With group ids the means are taken per group and each
/// token is centred within its own group.
public struct TokenCovariance: Sendable, Equatable {
  /// Cov_i per token; 0 at masked tokens.
  public let centredProducts: [Double]
  /// Which tokens are valid.
  public let mask: [Bool]
  /// N, the number of valid tokens.
  public let validCount: Int
  /// (1/N) Σ_valid Cov_i.
  public let mean: Double
  /// Per group: (valid token count, mean of Cov_i in the group); empty without group ids.
  public let groups: [Int64: (count: Int, mean: Double)]

  public static func == (a: TokenCovariance, b: TokenCovariance) -> Bool {
    a.centredProducts == b.centredProducts && a.mask == b.mask && a.validCount == b.validCount
      && a.mean == b.mean && a.groups.count == b.groups.count
      && a.groups.allSatisfy { k, v in b.groups[k].map { $0.count == v.count && $0.mean == v.mean } ?? false }
  }

  /// Computes the centred products.
  ///
  /// - Parameters:
  ///   - logProbabilities: ℓ_i = log π(y_i | prefix) per token (current policy).
  ///   - advantages: A_i per token.
  ///   - mask: valid tokens (all valid when nil).
  ///   - groupIDs: centre within these groups (for example the GRPO prompt group) when given.
  /// - Throws: `SoftmaxError` for mismatched lengths, non-finite values at valid tokens, or no
  ///   valid token.
  /// - Complexity: O(N).
  public init(
    logProbabilities: [Double], advantages: [Double], mask: [Bool]? = nil, groupIDs: [Int64]? = nil
  ) throws(SoftmaxError) {
    let n = logProbabilities.count
    guard advantages.count == n else {
      throw .invalidArgument("advantages have \(advantages.count) tokens, log-probabilities \(n)")
    }
    if let mask, mask.count != n {
      throw .invalidArgument("mask has \(mask.count) tokens, log-probabilities \(n)")
    }
    if let groupIDs, groupIDs.count != n {
      throw .invalidArgument("group ids have \(groupIDs.count) tokens, log-probabilities \(n)")
    }
    let valid = mask ?? Array(repeating: true, count: n)
    for i in 0..<n where valid[i] {
      if !logProbabilities[i].isFinite { throw .nonFiniteInput(name: "log-probabilities", index: i, value: logProbabilities[i]) }
      if !advantages[i].isFinite { throw .nonFiniteInput(name: "advantages", index: i, value: advantages[i]) }
    }
    guard let groupIDs else {
      // One batch: two passes over arrays, no grouping structures.
      var logpValues: [Double] = [], advValues: [Double] = []
      logpValues.reserveCapacity(n)
      advValues.reserveCapacity(n)
      for i in 0..<n where valid[i] {
        logpValues.append(logProbabilities[i])
        advValues.append(advantages[i])
      }
      guard !logpValues.isEmpty else { throw .invalidArgument("no valid token: the mask selects nothing") }
      let count = Double(logpValues.count)
      let logpMean = compensatedSum(logpValues) / count, advMean = compensatedSum(advValues) / count
      var products = [Double](repeating: 0, count: n)
      for i in 0..<n where valid[i] {
        products[i] = (logProbabilities[i] - logpMean) * (advantages[i] - advMean)
      }
      self.centredProducts = products
      self.mask = valid
      self.validCount = logpValues.count
      self.mean = compensatedSum((0..<n).lazy.filter { valid[$0] }.map { products[$0] }) / count
      self.groups = [:]
      return
    }
    let groupOf = groupIDs
    // Per-group sums of ℓ and A over valid tokens; each token is centred within its group.
    var sums: [Int64: (count: Int, logp: [Double], adv: [Double])] = [:]
    for i in 0..<n where valid[i] {
      sums[groupOf[i], default: (0, [], [])].count += 1
      sums[groupOf[i]]!.logp.append(logProbabilities[i])
      sums[groupOf[i]]!.adv.append(advantages[i])
    }
    let validCount = sums.values.reduce(0) { $0 + $1.count }
    guard validCount > 0 else { throw .invalidArgument("no valid token: the mask selects nothing") }
    var means: [Int64: (logp: Double, adv: Double)] = [:]
    for (g, s) in sums {
      means[g] = (compensatedSum(s.logp) / Double(s.count), compensatedSum(s.adv) / Double(s.count))
    }
    var products = [Double](repeating: 0, count: n)
    for i in 0..<n where valid[i] {
      let m = means[groupOf[i]]!
      products[i] = (logProbabilities[i] - m.logp) * (advantages[i] - m.adv)
    }
    var groups: [Int64: (count: Int, mean: Double)] = [:]
    var productsByGroup: [Int64: [Double]] = [:]
    for i in 0..<n where valid[i] { productsByGroup[groupOf[i], default: []].append(products[i]) }
    for (g, values) in productsByGroup {
      groups[g] = (values.count, compensatedSum(values) / Double(values.count))
    }
    self.centredProducts = products
    self.mask = valid
    self.validCount = validCount
    self.mean = compensatedSum((0..<n).lazy.filter { valid[$0] }.map { products[$0] }) / Double(validCount)
    self.groups = groups
  }
}
