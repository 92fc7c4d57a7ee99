// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import LogitDumps
import SoftmaxEntropy

extension DumpSummary {
  /// Statistics per prompt group (`group_ids`), GRPO's unit of advantage normalisation.
  ///
  /// Per group g over its valid tokens: the token-mean entropy, the within-group covariance
  /// (1/n_g) Σ (ℓ_t − ℓ̄_g)(A_t − Ā_g) (tokens centred in their own group, ``TokenCovariance``
  /// with group ids) and the population standard deviation of A. A group has zero advantage
  /// variance when all its valid advantages are equal (max = min) — DAPO's dynamic sampling drops
  /// such groups, whose GRPO advantages are all 0.
  public struct GroupSummary: Sendable, Codable, Equatable {
    /// Groups with at least one valid token.
    public var count: Int
    /// Groups with zero advantage variance, and their share of `count`.
    public var zeroAdvantageVariance: Int
    public var zeroAdvantageVarianceShare: Double
    /// Means over groups of the per-group statistics (nil when a statistic is unavailable).
    public var entropyMean: Double?
    public var covarianceMean: Double?
    public var advantageStdMean: Double?
    /// Per group, ascending id.
    public var groups: [Row]

    public struct Row: Sendable, Codable, Equatable {
      public var group: Int64
      public var tokens: Int
      public var entropyMean: Double?
      public var covariance: Double?
      public var advantageStd: Double?
      public var zeroAdvantageVariance: Bool?

      /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
      public enum CodingKeys: String, CodingKey {
        case group, tokens, covariance
        case entropyMean = "entropy_mean"
        case advantageStd = "advantage_std"
        case zeroAdvantageVariance = "zero_advantage_variance"
      }
    }

    /// The JSON keys, snake_case as every `--json` file spells them (decoded as written, no key strategy).
    public enum CodingKeys: String, CodingKey {
      case count, groups
      case zeroAdvantageVariance = "zero_advantage_variance"
      case zeroAdvantageVarianceShare = "zero_advantage_variance_share"
      case entropyMean = "entropy_mean"
      case covarianceMean = "covariance_mean"
      case advantageStdMean = "advantage_std_mean"
    }
  }
}

extension BatchAnalysis {
  /// The `groups` section; nil without `group_ids`.
  ///
  /// - Complexity: O(N log G).
  static func groupSummary(table: PositionTable, file: String) throws(DumpError) -> DumpSummary.GroupSummary? {
    guard let ids = table.groupIDs else { return nil }
    var members: [Int64: [Int]] = [:]
    for i in 0..<table.count where table.valid[i] { members[ids[i], default: []].append(i) }
    guard !members.isEmpty else { return nil }
    var groupCovariance: [Int64: Double] = [:]
    if let logp = table.logProbability, let adv = table.advantages {
      let cov = try Self.covariance(logp, adv, table.valid, groupIDs: ids, file: file)
      for (g, v) in cov.groups { groupCovariance[g] = v.mean }
    }
    let hasEntropy = table.entropySource != .none
    var rows: [DumpSummary.GroupSummary.Row] = []
    for g in members.keys.sorted() {
      let idx = members[g]!
      var row = DumpSummary.GroupSummary.Row(group: g, tokens: idx.count)
      if hasEntropy { row.entropyMean = compensatedSum(idx.map { table.entropy[$0] }) / Double(idx.count) }
      row.covariance = groupCovariance[g]
      if let adv = table.advantages {
        let a = idx.map { adv[$0] }
        let mean = compensatedSum(a) / Double(a.count)
        row.advantageStd = (compensatedSum(a.map { ($0 - mean) * ($0 - mean) }) / Double(a.count)).squareRoot()
        row.zeroAdvantageVariance = a.max()! == a.min()!
      }
      rows.append(row)
    }
    func mean(_ v: [Double?]) -> Double? {
      let x = v.compactMap { $0 }
      return x.isEmpty ? nil : compensatedSum(x) / Double(x.count)
    }
    let zero = rows.filter { $0.zeroAdvantageVariance == true }.count
    return .init(
      count: rows.count, zeroAdvantageVariance: zero, zeroAdvantageVarianceShare: Double(zero) / Double(rows.count),
      entropyMean: mean(rows.map(\.entropyMean)), covarianceMean: mean(rows.map(\.covariance)),
      advantageStdMean: mean(rows.map(\.advantageStd)), groups: rows)
  }

  static func covariance(_ logp: [Double], _ adv: [Double], _ mask: [Bool], groupIDs: [Int64], file: String) throws(DumpError) -> TokenCovariance {
    try reporting(file, "group covariance: ") { () throws(SoftmaxError) in
      try TokenCovariance(logProbabilities: logp, advantages: adv, mask: mask, groupIDs: groupIDs)
    }
  }
}
