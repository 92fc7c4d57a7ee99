// DeltaH — entropy change of softmax policies.

import TabularPolicies

/// A step record of `bandit|mdp --json` with its `trust_scale` (s*, "inf" when the quadratic term
/// is 0) and the `trust_tolerance` ε it was computed with.
struct StepRecordWithTrust: Encodable {
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
