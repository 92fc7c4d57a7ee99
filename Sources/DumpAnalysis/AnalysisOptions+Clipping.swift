// DeltaH — entropy change of softmax policies.

extension AnalysisOptions {
  /// The default options (``init()``) with `clipping` as the PPO ratio clipping of the polarity
  /// split (nil: none, c = 1).
  ///
  /// - Complexity: O(1).
  public init(clipping: ClipSettings?) {
    self.init()
    self.clipping = clipping
  }
}
