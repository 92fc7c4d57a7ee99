// DeltaH — entropy change of softmax policies.

import LogitDumps

extension DeltaHEnvelope {
  /// Writes ``jsonData()`` (sorted snake_case keys; non-finite doubles as the strings "nan",
  /// "inf", "-inf") to standard output through ``OutputFile/writeStandardOutput(_:)``.
  ///
  /// - Throws: an encoding error of the result.
  /// - Complexity: O(size of the JSON).
  public func writeStandardOutput() throws {
    OutputFile.writeStandardOutput(Array(try jsonData()))
  }
}

extension DeltaHEnvelope {
  /// Prints `result` as one JSON envelope (its keys plus `"kind"` and `"deltah_version"`) on
  /// standard output: the output of every `deltah … --json`.
  ///
  /// - Throws: an encoding error of `result`.
  /// - Complexity: O(size of the JSON).
  public static func writeToStandardOutput(_ result: Result, kind: DeltaHResultKind) throws {
    try DeltaHEnvelope(kind: kind, result: result).writeStandardOutput()
  }
}
