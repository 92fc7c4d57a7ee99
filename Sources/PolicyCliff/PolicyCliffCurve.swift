// DeltaH — entropy change of softmax policies.

import PolicyMargins
import RealModule

/// The perturbation experiment of docs/theory.md#policy-jump over a range of sizes: for each ε the values Q
/// are perturbed by +ε on the second-best action (the tied one at a tie, where the greedy policy
/// falls off the cliff) and the total-variation jumps of the greedy, uniform-argmax and soft
/// policies are recorded (``PolicyJump``), next to the soft policy's Lipschitz constant. The
/// jumps are computed on Q − max Q (the same policies), so that ε is not absorbed by large values.
/// An ε below the spacing of Doubles at the runner-up's gap, |ε| < 2⁻⁵³·δ, is still absorbed;
/// there no greedy or argmax jump is possible (ε < δ) and the soft jump, ≤ L·ε, reads 0.
public struct PolicyCliffCurve: Sendable, Equatable {
  /// The values Q (or rewards).
  public let values: [Double]
  /// Soft-policy temperature α and discount γ.
  public let alpha: Double
  public let gamma: Double
  /// The perturbation sizes ε = ‖ΔQ‖∞.
  public let epsilons: [Double]
  /// d_TV of each policy at each ε.
  public let greedy: [Double]
  public let uniformArgmax: [Double]
  public let soft: [Double]
  /// 1/(2α(1 − γ)): d_TV(soft) ≤ L·ε.
  public let lipschitzTV: Double

  /// The most perturbation sizes of one curve: 2²⁰.
  public static let maximumSizes = 1 << 20
  /// The most size × action evaluations of one curve (each builds a soft policy): 2²⁸.
  public static let maximumWork = 1 << 28

  /// Runs the experiment on `count` log-spaced ε from `smallest` to `largest`, with argmax
  /// tolerance 0 (so an exact tie is a tie and any ε > 0 breaks it).
  ///
  /// - Throws: ``PolicyCliffError`` for fewer than two actions, non-finite values, α ≤ 0, γ ∉ [0, 1),
  ///   perturbation sizes not finite with 0 < smallest < largest, count < 2, or more than
  ///   ``maximumSizes`` sizes or ``maximumWork`` size × action evaluations (refused before anything
  ///   is allocated).
  /// - Complexity: O(count · K).
  public init(values: [Double], alpha: Double, gamma: Double = 0, smallest: Double = 1e-4, largest: Double = 1, count: Int = 17) throws(PolicyCliffError) {
    guard values.count >= 2 else { throw .invalidArgument("the perturbation curve needs at least two actions") }
    guard gamma >= 0, gamma < 1 else { throw .invalidArgument("γ must be in [0, 1), got \(gamma)") }
    guard smallest.isFinite, largest.isFinite, smallest > 0, largest > smallest else {
      throw .invalidArgument("the perturbation sizes need finite 0 < smallest < largest, got \(smallest) and \(largest)")
    }
    guard count >= 2 else { throw .invalidArgument("the perturbation curve needs at least 2 sizes, got \(count)") }
    let (work, overflow) = count.multipliedReportingOverflow(by: values.count)
    guard count <= Self.maximumSizes, !overflow, work <= Self.maximumWork else {
      throw .invalidArgument(
        "\(count) sizes × \(values.count) actions is too large: at most \(Self.maximumSizes) sizes and \(Self.maximumWork) size × action evaluations")
    }
    let stability = try SoftPolicyStability(values: values, alpha: alpha, gamma: gamma, tolerance: 0)
    // The action to raise: the second of a tie, else the runner-up.
    let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
    let target = order[1]
    self.values = values
    self.alpha = alpha
    self.gamma = gamma
    lipschitzTV = stability.lipschitzTV
    let ratio = Double.pow(largest / smallest, 1 / Double(count - 1))
    epsilons = (0..<count).map { smallest * Double.pow(ratio, Double($0)) }
    // The experiment runs on Q − max Q: the greedy, argmax and soft policies are invariant under
    // a common shift, and there the best and tied values sit at 0, so +ε is not lost to rounding
    // (1e17 + 1e-4 == 1e17 in Double, which made a tie at 1e17 read as stable at every ε).
    let top = values.max()!
    let shifted = values.map { $0 - top }
    var g: [Double] = [], u: [Double] = [], s: [Double] = []
    for e in epsilons {
      var perturbed = shifted
      perturbed[target] += e
      let jump = try PolicyJump(values: shifted, perturbed: perturbed, alpha: alpha, tolerance: 0)
      g.append(jump.greedyTV)
      u.append(jump.uniformArgmaxTV)
      s.append(jump.softTV)
    }
    greedy = g
    uniformArgmax = u
    soft = s
  }
}
