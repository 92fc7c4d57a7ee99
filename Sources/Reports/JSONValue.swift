// DeltaH — entropy change of softmax policies.

import FoundationEssentials

/// A JSON value without a fixed schema, for the report code that reads DeltaH's JSON by its keys
/// and writes table JSON (encoded and decoded with `JSONEncoder` / `JSONDecoder`).
enum JSONValue: Codable, Equatable {
  case null
  case bool(Bool)
  case integer(Int)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let i = try? c.decode(Int.self) {
      self = .integer(i)
    } else if let x = try? c.decode(Double.self) {
      self = .number(x)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([JSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: JSONValue].self))
    }
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let b): try c.encode(b)
    case .integer(let i): try c.encode(i)
    case .number(let x): try c.encode(x)
    case .string(let s): try c.encode(s)
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }

  /// The members of an object, else `nil`.
  var objectValue: [String: JSONValue]? {
    if case .object(let o) = self { return o }
    return nil
  }

  /// The elements of an array, else `nil`.
  var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// A string's text, else `nil`.
  var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// An integer, else `nil`.
  var integerValue: Int? {
    if case .integer(let i) = self { return i }
    return nil
  }

  /// A number (integer or not), or one of the strings "nan", "inf", "-inf" as DeltaH writes
  /// non-finite numbers; else `nil`.
  var numberValue: Double? {
    switch self {
    case .integer(let i): return Double(i)
    case .number(let x): return x
    case .string("nan"): return .nan
    case .string("inf"): return .infinity
    case .string("-inf"): return -.infinity
    default: return nil
    }
  }

  /// Pretty-printed text with sorted keys and unescaped slashes, ending in a newline.
  var prettyPrinted: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    // Every case encodes; non-finite numbers are passed as strings by the callers.
    let data = try! encoder.encode(self)
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
