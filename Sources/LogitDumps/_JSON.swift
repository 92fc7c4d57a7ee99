// DeltaH — entropy change of softmax policies.

/// A parsed JSON value (RFC 8259), as small as the readers need.
///
/// Objects keep their members in file order. Numbers keep their literal text, so integers are
/// converted exactly and metadata numbers round-trip as written. Duplicate keys within one object
/// are an error (safetensors forbids them, and silently keeping one would hide a broken export).
indirect enum _JSON: Equatable {
  case object([(key: String, value: _JSON)])
  case array([_JSON])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  static func == (a: _JSON, b: _JSON) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
      x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    case (.array(let x), .array(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.number(let x), .number(let y)): x == y
    case (.bool(let x), .bool(let y)): x == y
    case (.null, .null): true
    default: false
    }
  }

  /// A short name of the value's kind, for error messages.
  var kindName: String {
    switch self {
    case .object: "an object"
    case .array: "an array"
    case .string: "a string"
    case .number: "a number"
    case .bool: "a boolean"
    case .null: "null"
    }
  }

  /// The value as a non-negative `Int`, when it is an integer literal that fits.
  var nonNegativeInt: Int? {
    guard case .number(let text) = self, !text.isEmpty,
      text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    return Int(text)
  }

  /// Parses one JSON value from `bytes`; only whitespace may follow it.
  ///
  /// - Complexity: O(bytes.count). Nesting deeper than `maxDepth` is rejected (no recursion
  ///   blow-up on hostile input).
  static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(_JSONError) -> _JSON {
    var parser = _JSONParser(bytes: bytes, maxDepth: maxDepth)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else {
      throw parser.error("unexpected data after the JSON value")
    }
    return value
  }
}

/// A JSON syntax error with the byte offset where it was detected.
struct _JSONError: Error {
  let offset: Int
  let message: String
  var description: String { "invalid JSON at byte \(offset): \(message)" }
}

private struct _JSONParser {
  let bytes: UnsafeRawBufferPointer
  let maxDepth: Int
  var position = 0

  init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  func error(_ message: String) -> _JSONError { _JSONError(offset: position, message: message) }

  var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

  mutating func skipWhitespace() {
    while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
  }

  mutating func expect(_ c: UInt8) throws(_JSONError) {
    guard peek == c else {
      throw error("expected '\(Character(Unicode.Scalar(c)))'")
    }
    position += 1
  }

  mutating func parseValue(depth: Int) throws(_JSONError) -> _JSON {
    guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
    guard let c = peek else { throw error("unexpected end of input") }
    switch c {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    default: throw error("unexpected character 0x\(String(c, radix: 16))")
    }
  }

  mutating func literal(_ word: StaticString) throws(_JSONError) {
    let count = word.utf8CodeUnitCount
    guard bytes.count - position >= count else { throw error("unexpected end of input") }
    for i in 0..<count where bytes[position + i] != word.utf8Start[i] {
      throw error("invalid literal")
    }
    position += count
  }

  mutating func parseObject(depth: Int) throws(_JSONError) -> _JSON {
    position += 1
    var members: [(key: String, value: _JSON)] = []
    var seen: Set<String> = []
    skipWhitespace()
    if peek == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
      let keyOffset = position
      let key = try parseString()
      guard seen.insert(key).inserted else {
        throw _JSONError(offset: keyOffset, message: "duplicate key \"\(key)\"")
      }
      skipWhitespace()
      try expect(UInt8(ascii: ":"))
      skipWhitespace()
      let value = try parseValue(depth: depth + 1)
      members.append((key, value))
      skipWhitespace()
      guard let c = peek else { throw error("unexpected end of input in an object") }
      position += 1
      if c == UInt8(ascii: "}") { return .object(members) }
      guard c == UInt8(ascii: ",") else {
        position -= 1
        throw error("expected ',' or '}' in an object")
      }
    }
  }

  mutating func parseArray(depth: Int) throws(_JSONError) -> _JSON {
    position += 1
    var elements: [_JSON] = []
    skipWhitespace()
    if peek == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard let c = peek else { throw error("unexpected end of input in an array") }
      position += 1
      if c == UInt8(ascii: "]") { return .array(elements) }
      guard c == UInt8(ascii: ",") else {
        position -= 1
        throw error("expected ',' or ']' in an array")
      }
    }
  }

  mutating func parseNumber() throws(_JSONError) -> String {
    let start = position
    func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
    if peek == UInt8(ascii: "-") { position += 1 }
    guard isDigit(peek) else { throw error("invalid number") }
    if peek == UInt8(ascii: "0") {
      position += 1
    } else {
      while isDigit(peek) { position += 1 }
    }
    if peek == UInt8(ascii: ".") {
      position += 1
      guard isDigit(peek) else { throw error("invalid number: digit expected after '.'") }
      while isDigit(peek) { position += 1 }
    }
    if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
      position += 1
      if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
      guard isDigit(peek) else { throw error("invalid number: digit expected in exponent") }
      while isDigit(peek) { position += 1 }
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
  }

  mutating func parseHex4() throws(_JSONError) -> UInt32 {
    guard bytes.count - position >= 4 else { throw error("truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[position]
      let digit: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw error("invalid hex digit in \\u escape")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  mutating func parseString() throws(_JSONError) -> String {
    position += 1  // opening quote
    var utf8: [UInt8] = []
    while true {
      guard let c = peek else { throw error("unterminated string") }
      position += 1
      switch c {
      case UInt8(ascii: "\""):
        guard let s = String(validating: utf8, as: UTF8.self) else {
          throw error("string is not valid UTF-8")
        }
        return s
      case UInt8(ascii: "\\"):
        guard let e = peek else { throw error("unterminated escape") }
        position += 1
        switch e {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try parseHex4()
          if (0xD800..<0xDC00).contains(scalar) {
            guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
              bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate in \\u escape") }
            position += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00..<0xE000).contains(scalar) {
            throw error("unpaired low surrogate in \\u escape")
          }
          guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
          utf8.append(contentsOf: String(Character(u)).utf8)
        default:
          throw error("invalid escape character")
        }
      case 0x00..<0x20:
        throw error("control character in string")
      default:
        utf8.append(c)
      }
    }
  }
}

extension _JSON {
  /// Serialises a string as a JSON string literal (quotes, escapes; non-ASCII kept as UTF-8).
  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where u.value < 0x20:
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }
}
