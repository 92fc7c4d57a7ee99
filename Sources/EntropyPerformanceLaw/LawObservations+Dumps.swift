// DeltaH — entropy change of softmax policies.

/// The token-mean entropy of one dump and the training step its metadata records.
public struct DumpEntropy: Sendable, Equatable {
  /// The dump's path.
  public var file: String
  /// The `step` metadata of the dump (nil when it has none).
  public var step: Int?
  /// The entropy token-mean over the dump's valid positions (nats).
  public var entropy: Double
  /// The temperature T the entropy is of (softmax(z/T)); nil when not known.
  public var temperature: Double?

  public init(file: String, step: Int?, entropy: Double, temperature: Double? = nil) {
    self.file = file
    self.step = step
    self.entropy = entropy
    self.temperature = temperature
  }
}

extension LawObservations {
  /// Pairs each dump's token-mean entropy with the performance recorded for the same step in a
  /// rewards log (read as ``init(text:source:columns:)`` with its step column required):
  ///
  ///     point i = (step of dump i, H token-mean of dump i, R of the rewards row with that step)
  ///
  /// Rewards rows without a dump are left out and counted in a note. The entropy column's name
  /// ends with the dumps' temperatures when known (" at T = 1", or " at T = 1 / 0.7" when they
  /// differ).
  ///
  /// - Throws: ``LawError`` naming the dump without `step` metadata, the step missing from the
  ///   rewards log, a step given by two dumps, a non-finite entropy.
  /// - Complexity: O(dumps + rows).
  public init(dumps: [DumpEntropy], rewards: LawObservations) throws(LawError) {
    guard let rewardSteps = rewards.steps, let stepColumn = rewards.stepColumn else {
      throw LawError(source: rewards.source, problem: "the rewards log needs a step column to be matched to the dumps' step metadata")
    }
    var byStep: [Double: Double] = [:]
    for (s, r) in zip(rewardSteps, rewards.performances) { byStep[s] = r }
    var seen: [Int: String] = [:]
    var points: [(step: Int, h: Double, r: Double)] = []
    for d in dumps {
      guard let step = d.step else {
        throw LawError(source: d.file, problem: "no 'step' in the dump's metadata; it cannot be matched to the rewards log")
      }
      if let other = seen[step] { throw LawError(source: d.file, problem: "step \(step) is also the step of \(other)") }
      seen[step] = d.file
      guard d.entropy.isFinite else { throw LawError(source: d.file, problem: "the entropy token-mean is \(d.entropy), not finite") }
      guard let r = byStep[Double(step)] else {
        throw LawError(source: rewards.source, problem: "no row with \(stepColumn) = \(step) (the step of \(d.file))")
      }
      points.append((step, d.entropy, r))
    }
    points.sort { $0.step < $1.step }
    self.init(
      steps: points.map { Double($0.step) }, entropies: points.map(\.h), performances: points.map(\.r),
      source: rewards.source, format: "dumps", entropyColumn: "entropy token-mean of each dump" + Self.temperatureSuffix(dumps),
      performanceColumn: rewards.performanceColumn, stepColumn: stepColumn, skippedRows: rewards.skippedRows)
    let unmatched = rewards.count - points.count
    notes.append("\(dumps.count) dumps matched to \(rewards.source) by step metadata")
    if unmatched > 0 { notes.append("\(unmatched) rows of \(rewards.source) have no dump and are not used") }
  }
}

extension LawObservations {
  /// " at T = …" with the distinct temperatures of the dumps in order, "" when any is unknown.
  ///
  /// - Complexity: O(dumps²) (dumps are few).
  static func temperatureSuffix(_ dumps: [DumpEntropy]) -> String {
    let known = dumps.compactMap(\.temperature)
    guard !known.isEmpty, known.count == dumps.count else { return "" }
    var distinct: [Double] = []
    for t in known where !distinct.contains(t) { distinct.append(t) }
    return " at T = " + distinct.map { "\($0)" }.joined(separator: " / ")
  }
}
