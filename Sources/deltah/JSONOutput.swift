// DeltaH — entropy change of softmax policies.

import FoundationEssentials
import LogitDumps
import Reports

/// Prints a result as one JSON envelope (its keys plus `"kind"` and `"deltah_version"`, sorted
/// snake_case keys) on standard output.
///
/// Non-finite doubles are written as the strings "nan", "inf", "-inf" rather than failing.
func printJSON<T: Encodable>(_ value: T, kind: DeltaHResultKind) throws {
  OutputFile.writeStandardOutput(Array(try DeltaHEnvelope(kind: kind, result: value).jsonData()))
}
