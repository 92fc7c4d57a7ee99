// DeltaH — entropy change of softmax policies.

import PolicyMargins
import SoftmaxEntropy

/// The perturbation experiment of docs/theory.md#policy-jump: how far three policies move, in total variation
/// d_TV(π, π′) = ½‖π − π′‖₁, when the values change from Q to Q′ = Q + ΔQ.
///
///     greedy            the first action of the τ-argmax set (a deterministic selection)
///     uniform argmax    uniform over the τ-argmax set
///     soft              softmax(Q/α)
///
/// At a tie an ε-perturbation moves the greedy policy by TV 1 and the uniform one by 1 − 1/m
/// (m tied actions → a unique optimum), while the soft policy moves by at most ‖ΔQ‖∞/(2α).
public struct PolicyJump: Sendable, Equatable {
  /// d_TV of the greedy (first-argmax) policy.
  public let greedyTV: Double
  /// d_TV of the uniform-over-argmax policy.
  public let uniformArgmaxTV: Double
  /// d_TV of the soft policy softmax(Q/α).
  public let softTV: Double
  /// ‖Q′ − Q‖∞.
  public let perturbationSize: Double

  /// The jumps between `values` and `perturbed` at temperature α, with argmax tolerance τ (default
  /// ``ActionMargin/defaultTolerance(for:)`` of each vector).
  ///
  /// - Throws: `PolicyCliffError.invalidArgument` for mismatched lengths, non-finite values or α ≤ 0.
  /// - Complexity: O(K).
  public init(values: [Double], perturbed: [Double], alpha: Double, tolerance: Double? = nil) throws(PolicyCliffError) {
    try requireFinite(values, "values")
    try requireFinite(perturbed, "perturbed values")
    try requireTemperature(alpha)
    guard values.count == perturbed.count else {
      throw .invalidArgument("values have \(values.count) actions, perturbed values \(perturbed.count)")
    }
    let before = try ActionMargin(values: values, tolerance: tolerance)
    let after = try ActionMargin(values: perturbed, tolerance: tolerance)
    greedyTV = before.greedyAction == after.greedyAction ? 0 : 1
    let k = values.count
    var uniformBefore = [Double](repeating: 0, count: k)
    var uniformAfter = [Double](repeating: 0, count: k)
    for a in before.tiedActions { uniformBefore[a] = 1 / Double(before.ties) }
    for a in after.tiedActions { uniformAfter[a] = 1 / Double(after.ties) }
    uniformArgmaxTV = totalVariation(uniformBefore, uniformAfter)
    let p = try softmaxOfValues(values, alpha: alpha).probabilities
    let q = try softmaxOfValues(perturbed, alpha: alpha).probabilities
    softTV = totalVariation(p, q)
    perturbationSize = zip(values, perturbed).map { abs($0 - $1) }.max()!
  }
}

/// d_TV(p, q) = ½ Σᵢ |pᵢ − qᵢ| (compensated sum).
///
/// - Complexity: O(K).
public func totalVariation(_ p: [Double], _ q: [Double]) -> Double {
  precondition(p.count == q.count, "distributions of sizes \(p.count) and \(q.count)")
  return 0.5 * compensatedSum(zip(p, q).lazy.map { abs($0 - $1) })
}
