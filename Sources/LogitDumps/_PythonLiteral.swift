// DeltaH — entropy change of softmax policies.

/// A parsed Python literal, the subset that appears in `.npy` headers: strings, integers
/// (with an optional Python 2 `L` suffix), `True`/`False`/`None`, tuples, lists and dicts.
indirect enum _PythonLiteral {
  case string(String)
  case int(Int)
  case bool(Bool)
  case none
  case tuple([_PythonLiteral])
  case list([_PythonLiteral])
  case dict([(key: _PythonLiteral, value: _PythonLiteral)])

  var kindName: String {
    switch self {
    case .string: "a string"
    case .int: "an integer"
    case .bool: "a boolean"
    case .none: "None"
    case .tuple: "a tuple"
    case .list: "a list"
    case .dict: "a dict"
    }
  }

  /// Parses one literal from `bytes`; only whitespace may follow it.
  ///
  /// - Complexity: O(bytes.count); nesting is limited to 32 levels.
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(_PythonLiteralError) -> _PythonLiteral {
    var parser = _PythonLiteralParser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else {
      throw parser.error("unexpected text after the header dict")
    }
    return value
  }
}

struct _PythonLiteralError: Error {
  let offset: Int
  let message: String
}

private struct _PythonLiteralParser {
  let bytes: UnsafeRawBufferPointer
  var position = 0
  static let maxDepth = 32

  init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  func error(_ message: String) -> _PythonLiteralError {
    _PythonLiteralError(offset: position, message: message)
  }

  var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

  mutating func skipWhitespace() {
    while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
  }

  mutating func parseValue(depth: Int) throws(_PythonLiteralError) -> _PythonLiteral {
    guard depth < Self.maxDepth else { throw error("nesting too deep") }
    guard let c = peek else { throw error("unexpected end of header") }
    switch c {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString(quote: c))
    case UInt8(ascii: "("):
      let (items, sawComma) = try parseSequence(close: UInt8(ascii: ")"), depth: depth)
      // `(x)` without a comma is just a parenthesised value.
      if items.count == 1 && !sawComma { return items[0] }
      return .tuple(items)
    case UInt8(ascii: "["):
      return .list(try parseSequence(close: UInt8(ascii: "]"), depth: depth).items)
    case UInt8(ascii: "{"): return try parseDict(depth: depth)
    case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return .int(try parseInt())
    default:
      let word = parseWord()
      switch word {
      case "True": return .bool(true)
      case "False": return .bool(false)
      case "None": return .none
      default: throw error(word.isEmpty ? "unexpected character" : "unexpected name '\(word)'")
      }
    }
  }

  mutating func parseWord() -> String {
    let start = position
    while let c = peek, (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
      || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    {
      position += 1
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
  }

  mutating func parseInt() throws(_PythonLiteralError) -> Int {
    var negative = false
    if peek == UInt8(ascii: "-") || peek == UInt8(ascii: "+") {
      negative = peek == UInt8(ascii: "-")
      position += 1
    }
    var value = 0
    var digits = 0
    while let c = peek, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
      let (m, o1) = value.multipliedReportingOverflow(by: 10)
      let (a, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
      guard !o1 && !o2 else { throw error("integer too large") }
      value = a
      digits += 1
      position += 1
    }
    guard digits > 0 else { throw error("digit expected") }
    if peek == UInt8(ascii: "L") || peek == UInt8(ascii: "l") { position += 1 }  // Python 2 long
    if let c = peek, c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
      throw error("non-integer number")
    }
    return negative ? -value : value
  }

  mutating func parseString(quote: UInt8) throws(_PythonLiteralError) -> String {
    position += 1
    var out: [UInt8] = []
    while true {
      guard let c = peek else { throw error("unterminated string") }
      position += 1
      if c == quote { break }
      if c == UInt8(ascii: "\\") {
        guard let e = peek else { throw error("unterminated string") }
        position += 1
        out.append(e)  // \' \" \\ — enough for dtype strings
        continue
      }
      out.append(c)
    }
    // Headers are latin-1 (v1, v2) or UTF-8 (v3); names we compare are ASCII either way.
    return String(decoding: out, as: UTF8.self)
  }

  mutating func parseSequence(close: UInt8, depth: Int) throws(_PythonLiteralError)
    -> (items: [_PythonLiteral], sawComma: Bool)
  {
    position += 1
    var items: [_PythonLiteral] = []
    var sawComma = false
    while true {
      skipWhitespace()
      if peek == close {
        position += 1
        return (items, sawComma)
      }
      items.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard let c = peek else { throw error("unexpected end of header") }
      if c == close { continue }
      guard c == UInt8(ascii: ",") else { throw error("expected ',' in a sequence") }
      sawComma = true
      position += 1
    }
  }

  mutating func parseDict(depth: Int) throws(_PythonLiteralError) -> _PythonLiteral {
    position += 1
    var members: [(key: _PythonLiteral, value: _PythonLiteral)] = []
    while true {
      skipWhitespace()
      if peek == UInt8(ascii: "}") {
        position += 1
        return .dict(members)
      }
      let key = try parseValue(depth: depth + 1)
      skipWhitespace()
      guard peek == UInt8(ascii: ":") else { throw error("expected ':' in a dict") }
      position += 1
      skipWhitespace()
      let value = try parseValue(depth: depth + 1)
      members.append((key, value))
      skipWhitespace()
      guard let c = peek else { throw error("unexpected end of header") }
      if c == UInt8(ascii: "}") { continue }
      guard c == UInt8(ascii: ",") else { throw error("expected ',' in a dict") }
      position += 1
    }
  }
}
