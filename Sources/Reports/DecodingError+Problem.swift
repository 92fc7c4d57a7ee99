// DeltaH — entropy change of softmax policies.

import FoundationEssentials

/// A decoding error in the words of the JSON file: which key is missing or has the wrong type, at
/// which path ("groups.groups[0].tokens"), instead of Swift's debug description
/// ("keyNotFound(CodingKeys(stringValue: …, intValue: nil), Context(codingPath: …))").
///
/// - Complexity: O(depth of the coding path).
func decodingProblem(_ error: any Error) -> String {
  guard let error = error as? DecodingError else { return "\(error)" }
  func path(_ keys: [any CodingKey]) -> String {
    var out = ""
    for key in keys {
      if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
    }
    return out
  }
  func at(_ keys: [any CodingKey]) -> String { keys.isEmpty ? "at the top level" : "at '\(path(keys))'" }
  switch error {
  case .keyNotFound(let key, let context):
    return "missing key '\(path(context.codingPath + [key]))'"
  case .typeMismatch(let type, let context):
    return "\(at(context.codingPath)): expected \(type), found another type"
  case .valueNotFound(let type, let context):
    return "\(at(context.codingPath)): expected \(type), found null"
  case .dataCorrupted(let context):
    return "\(at(context.codingPath)): \(context.debugDescription)"
  @unknown default:
    return "\(error)"
  }
}
