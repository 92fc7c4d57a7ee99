// DeltaH — entropy change of softmax policies.

extension EntropyPerformanceLaw.Options {
  /// Checks each setting against its domain, before any data is read: the fit fraction f ∈ (0, 1),
  /// ``minimumBootstrapResamples`` ≤ B ≤ ``maximumBootstrapResamples``, the confidence level 1 − α ∈ (0, 1).
  ///
  /// Whether f leaves at least 3 points to fit and one to hold out depends on the number of points
  /// and is checked by the fit.
  ///
  /// - Throws: ``LawError`` whose ``LawError/source`` names the setting in the field's words
  ///   ("fit fraction", "bootstrap resamples", "confidence level"), never a command-line flag.
  /// - Complexity: O(1).
  public func validate() throws(LawError) {
    if let f = fitFraction {
      guard f.isFinite, f > 0, f < 1 else { throw LawError(source: "fit fraction", problem: "must be in (0, 1), got \(f)") }
    }
    guard bootstrapResamples >= Self.minimumBootstrapResamples else {
      throw LawError(source: "bootstrap resamples", problem: "needs at least \(Self.minimumBootstrapResamples) resamples for an interval, got \(bootstrapResamples)")
    }
    guard bootstrapResamples <= Self.maximumBootstrapResamples else {
      throw LawError(source: "bootstrap resamples", problem: "\(bootstrapResamples) resamples is too many: at most \(Self.maximumBootstrapResamples)")
    }
    guard confidenceLevel > 0, confidenceLevel < 1 else {
      throw LawError(source: "confidence level", problem: "must be in (0, 1), got \(confidenceLevel)")
    }
  }
}
