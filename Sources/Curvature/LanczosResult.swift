// DeltaH — entropy change of softmax policies.

/// What ``LanczosEigensolver`` found: the selected Ritz values with their residuals.
public struct LanczosResult: Sendable, Equatable {
  /// The selected eigenvalue estimates, in the selection's order.
  public let eigenvalues: [Double]
  /// ‖A yᵢ − θᵢ yᵢ‖ for each returned value: an eigenvalue of A lies within this distance.
  public let residualNorms: [Double]
  /// The unit Ritz vectors yᵢ, when asked for.
  public let eigenvectors: [[Double]]?
  /// The Krylov dimension m reached (number of products with A).
  public let steps: Int
  /// How many times the iteration restarted after an invariant subspace (β = 0).
  public let restarts: Int
  /// max |θ| over all Ritz values: a lower bound on ‖A‖₂, the scale of the tolerance.
  public let normEstimate: Double
}
