// DeltaH — entropy change of softmax policies.

import LogitDumps

extension DumpCurvatureReport {
  /// The summaries of the logit rows of `dump` at flat positions `positions` (in that order), at
  /// temperature `temperature` (nil: the dump's metadata 'temperature', else 1), each with its
  /// `top` leading eigenvalues (``CurvatureReport/init(logits:temperature:top:position:)``).
  /// ``temperatureSource`` says where T came from, and ``warnings`` holds `dumpWarnings` (what the
  /// caller found in the dump, e.g. its ignored tensors) followed by a warning when T defaulted
  /// to 1 (no flag, no metadata) or the flag differs from the metadata temperature.
  ///
  /// - Throws: ``CurvatureError/dump(_:)`` when the dump has no full logits or a position is out of
  ///   range, and as ``init(file:temperature:positions:rows:top:)``.
  /// - Complexity: reading the rows (O(positions·K)), then the sum of the rows' spectra.
  public init(dump: LogitDump, positions: [Int], temperature: Double?, top: Int, dumpWarnings: [String] = []) throws(CurvatureError) {
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
    var warnings = dumpWarnings
    if let t = temperature {
      temperatureSource = "flag"
      if dump.temperatureInMetadata, t != dump.temperature {
        warnings.append("temperature \(t) given on the command line; the dump's metadata says \(dump.temperature)")
      }
    } else if dump.temperatureInMetadata {
      temperatureSource = "metadata"
    } else {
      temperatureSource = "default"
      warnings.append("T = 1 by default (no temperature given and no metadata 'temperature'): the spectra are those of softmax(z); if the trainer sampled at T ≠ 1, give its temperature")
    }
    self.warnings = warnings
  }
}
