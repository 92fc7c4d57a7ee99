// DeltaH — entropy change of softmax policies.

import LogitDumps

extension BatchAnalysis {
  /// The per-position tensors for `--per-token OUT.safetensors`, in the dump's position shape
  /// (NaN at invalid positions): `entropy`, `logprob`, `centred_cov`, `sampled_term`,
  /// `correction_term`, `polarity`, `steer_weight` (those that could be computed) and `valid` (U8).
  ///
  /// - Complexity: O(N).
  public func perTokenWriter() -> SafetensorsWriter {
    let shape = table.count == table.positionShape.reduce(1, *) ? table.positionShape : [table.count]
    var writer = SafetensorsWriter(metadata: [
      "producer": "deltah analyze", "temperature": "\(table.temperature)",
      "learning_rate": "\(options.learningRate)", "entropy_source": table.entropySource.rawValue,
      "first_position": "\(table.positions.first ?? 0)",
    ])
    func masked(_ values: [Double]) -> [Double] { values.indices.map { table.valid[$0] ? values[$0] : .nan } }
    writer.add("entropy", masked(table.entropy), shape: shape)
    if let v = table.logProbability { writer.add("logprob", masked(v), shape: shape) }
    if let v = centredCovariance { writer.add("centred_cov", v, shape: shape) }
    if let v = sampledTerm { writer.add("sampled_term", v, shape: shape) }
    if let v = correctionTerm { writer.add("correction_term", v, shape: shape) }
    if let v = polarity { writer.add("polarity", v, shape: shape) }
    if let v = steerWeights { writer.add("steer_weight", v, shape: shape) }
    writer.add("valid", table.valid.map { $0 ? UInt8(1) : 0 }, shape: shape)
    return writer
  }
}
