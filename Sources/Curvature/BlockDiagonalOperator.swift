// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// A block-diagonal operator blockdiag_s(d_s · A_s) with non-negative block weights d_s.
///
/// For a tabular softmax policy with several states and state weights d(s), the Fisher matrix
/// is blockdiag_s(d(s) F_s) (docs/theory.md#multi-state), and so is the Hessian of J in the contextual-bandit
/// case; its spectrum is the union of the blocks' spectra scaled by d(s).
public struct BlockDiagonalOperator<Block: SymmetricLinearOperator>: SymmetricLinearOperator {
  /// The diagonal blocks A_s, in order.
  public let blocks: [Block]
  /// The block weights d_s.
  public let weights: [Double]
  /// The offset of block s in the full vector.
  @usableFromInline let offsets: [Int]

  /// blockdiag_s(d_s A_s).
  ///
  /// - Throws: `CurvatureError.invalidArgument` when the counts differ or a weight is negative
  ///   or not finite.
  /// - Complexity: O(number of blocks).
  public init(blocks: [Block], weights: [Double]) throws(CurvatureError) {
    guard blocks.count == weights.count else {
      throw .invalidArgument("\(blocks.count) blocks but \(weights.count) weights")
    }
    for (s, d) in weights.enumerated() where !(d.isFinite && d >= 0) {
      throw .invalidArgument("block weight \(s) is \(d); weights must be finite and non-negative")
    }
    self.blocks = blocks
    self.weights = weights
    var o: [Int] = []
    var total = 0
    for b in blocks {
      o.append(total)
      total += b.dimension
    }
    offsets = o + [total]
  }

  /// Σ_s dim(A_s).
  ///
  /// - Complexity: O(1).
  public var dimension: Int { offsets.last ?? 0 }

  /// The slice of a full vector that belongs to block s.
  ///
  /// - Complexity: O(1).
  public func range(ofBlock s: Int) -> Range<Int> { offsets[s]..<offsets[s + 1] }

  /// y_s = d_s A_s x_s for every block s.
  ///
  /// - Complexity: the sum of the blocks' products.
  public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    precondition(x.count == dimension && y.count == dimension, "block product of dimension \(dimension) on vectors of \(x.count) and \(y.count)")
    for (s, block) in blocks.enumerated() {
      let r = range(ofBlock: s)
      let ys = UnsafeMutableBufferPointer(rebasing: y[r])
      block.apply(UnsafeBufferPointer(rebasing: x[r]), into: ys)
      let d = weights[s]
      for i in ys.indices { ys[i] *= d }
    }
  }
}

extension BlockDiagonalOperator: Sendable where Block: Sendable {}

extension BlockDiagonalOperator where Block == FisherOperator {
  /// The Fisher matrix of a tabular softmax policy with several states,
  ///
  ///     F = blockdiag_s( d(s) (diag(π_s) − π_s π_sᵀ) )
  ///
  /// (Kakade's Fisher with state weights d(s); docs/theory.md#natural-gradient).
  ///
  /// - Throws: `CurvatureError.invalidArgument` for mismatched counts or invalid weights.
  /// - Complexity: O(Σ_s K_s).
  public static func tabularFisher(
    policies: [SoftmaxPolicy], stateWeights: [Double]
  ) throws(CurvatureError) -> BlockDiagonalOperator<FisherOperator> {
    try BlockDiagonalOperator(blocks: policies.map(FisherOperator.init(policy:)), weights: stateWeights)
  }
}
