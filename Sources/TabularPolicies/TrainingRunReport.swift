// DeltaH — entropy change of softmax policies.

/// The JSON document of a tabular training run (`deltah bandit|mdp --json`, inside the DeltaH
/// envelope): `steps`, every ``StepRecord`` with its `trust_scale` s* (``StepRecord/trustScale(tolerance:)``,
/// "inf" when the quadratic term is 0) and the `trust_tolerance` ε it was computed with, and
/// `summary`, the ``RunSummary``.
public struct TrainingRunReport: Sendable, Encodable {
  /// The run: its step records and final state.
  public let run: TrainingRun
  /// ε of every step's trust scale.
  public let trustTolerance: Double
  /// The run-level figures.
  public let summary: RunSummary

  /// - Precondition: `trustTolerance` is finite and > 0.
  public init(run: TrainingRun, summary: RunSummary, trustTolerance: Double) {
    self.run = run
    self.trustTolerance = trustTolerance
    self.summary = summary
  }

  private enum CodingKeys: String, CodingKey {
    case steps, summary
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(run.steps.map { StepRecordWithTrust(record: $0, tolerance: trustTolerance) }, forKey: .steps)
    try c.encode(summary, forKey: .summary)
  }
}

/// A step record of the run document with its `trust_scale` and `trust_tolerance`.
private struct StepRecordWithTrust: Encodable {
  let record: StepRecord
  let tolerance: Double

  private enum Extra: String, CodingKey {
    case trustScale = "trust_scale"
    case trustTolerance = "trust_tolerance"
  }

  func encode(to encoder: any Encoder) throws {
    try record.encode(to: encoder)
    var c = encoder.container(keyedBy: Extra.self)
    try c.encode(record.trustScale(tolerance: tolerance), forKey: .trustScale)
    try c.encode(tolerance, forKey: .trustTolerance)
  }
}
