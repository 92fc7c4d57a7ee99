// DeltaH — entropy change of softmax policies.

import LogitDumps

extension DumpCurvatureReport {
  /// The summaries of the logit rows of `dump` at flat positions `positions` (in that order), at
  /// temperature `temperature` (nil: the dump's metadata 'temperature', else 1), each with its
  /// `top` leading eigenvalues (``CurvatureReport/init(logits:temperature:top:position:)``).
  ///
  /// - Throws: ``CurvatureError/dump(_:)`` when the dump has no full logits or a position is out of
  ///   range, and as ``init(file:temperature:positions:rows:top:)``.
  /// - Complexity: reading the rows (O(positions·K)), then the sum of the rows' spectra.
  public init(dump: LogitDump, positions: [Int], temperature: Double?, top: Int) throws(CurvatureError) {
    guard let tensor = dump[.logits] else {
      throw .dump(DumpError(file: dump.path, tensor: "logits", problem: "curvature needs full logits"))
    }
    let rows: [[Double]]
    do throws(DumpError) {
      rows = try tensor.doubleRows(positions)
    } catch {
      throw .dump(error)
    }
    try self.init(file: dump.path, temperature: temperature ?? dump.temperature, positions: positions, rows: rows, top: top)
  }
}
