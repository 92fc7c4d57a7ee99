// DeltaH — entropy change of softmax policies.

extension AnalysisOptions {
  /// These options with each given setting replacing this one's (nil: kept). A given η is recorded
  /// with source ``LearningRateSource/flag`` (given by the caller), as
  /// ``DumpAnalysisSettings/resolvedOptions(dumpLearningRate:)`` records it.
  ///
  /// - Complexity: O(1).
  public func replacing(
    learningRate: Double? = nil, klCovRatio: Double? = nil, clipCovBounds: ClosedRangeBounds? = nil,
    clipCovRatio: Double? = nil, microBatch: Int? = nil, seed: UInt64? = nil
  ) -> AnalysisOptions {
    var o = DumpAnalysisSettings(learningRate: learningRate, options: self).resolvedOptions(dumpLearningRate: nil)
    if let klCovRatio { o.klCovRatio = klCovRatio }
    if let clipCovBounds { o.clipCovBounds = clipCovBounds }
    if let clipCovRatio { o.clipCovRatio = clipCovRatio }
    if let microBatch { o.microBatch = microBatch }
    if let seed { o.seed = seed }
    return o
  }
}
