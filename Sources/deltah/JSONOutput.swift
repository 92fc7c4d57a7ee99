// DeltaH — entropy change of softmax policies.

import FoundationEssentials

/// Prints an `Encodable` value as one JSON object with sorted snake_case keys on standard output.
///
/// Non-finite doubles are written as the strings "nan", "inf", "-inf" rather than failing.
func printJSON<T: Encodable>(_ value: T) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
  encoder.keyEncodingStrategy = .convertToSnakeCase
  encoder.nonConformingFloatEncodingStrategy = .convertToString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  let data = try encoder.encode(value)
  writeStandardOutput(Array(data) + Array("\n".utf8))
}
