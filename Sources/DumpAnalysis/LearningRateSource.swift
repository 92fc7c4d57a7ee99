// DeltaH — entropy change of softmax policies.

/// Where the η of the polarity split came from.
///
/// η is the step size, in logit space, of the one-token update Δz = η·A·(e_y − π) whose entropy
/// change the polarity split predicts. It is not the optimizer's learning rate: a transformer's
/// logits move by far more than the parameter learning rate (1e-6 in a typical verl config) per
/// unit advantage, so passing the optimizer lr shrinks every polarity number by orders of
/// magnitude without changing any sign.
public enum LearningRateSource: String, Sendable, Codable, Equatable {
  /// `--lr` on the command line.
  case flag
  /// The dump's (or partial's) metadata `lr`.
  case metadata
  /// Neither: η = 1, polarity per unit logit step.
  case `default`
}
