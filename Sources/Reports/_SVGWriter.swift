// DeltaH — entropy change of softmax policies.


/// Accumulates SVG markup; every attribute value and text node goes through ``xmlEscaped(_:)``.
struct _SVGWriter {
  private(set) var body: [String] = []

  mutating func raw(_ s: String) { body.append(s) }

  mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>, text: String? = nil) {
    let attrs = attributes.map { " \($0.key)=\"\(xmlEscaped($0.value))\"" }.joined()
    if let text { body.append("<\(name)\(attrs)>\(xmlEscaped(text))</\(name)>") } else { body.append("<\(name)\(attrs)/>") }
  }

  mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String>) {
    body.append("<\(name)" + attributes.map { " \($0.key)=\"\(xmlEscaped($0.value))\"" }.joined() + ">")
  }

  mutating func close(_ name: String) { body.append("</\(name)>") }
}

/// Text escaped for XML (and XHTML) content and attribute values: `& < > " '`.
///
/// - Complexity: O(n).
public func xmlEscaped(_ s: String) -> String {
  var out = ""
  out.reserveCapacity(s.utf8.count)
  for ch in s {
    switch ch {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&apos;"
    default: out.append(ch)
    }
  }
  return out
}

/// A coordinate with at most two decimals (SVG user units).
func svgNumber(_ x: Double) -> String {
  let r = (x * 100).rounded() / 100
  guard r != r.rounded() else { return String(Int(r)) }
  var s = NumberFormatting.printf("%.2f", r)
  while s.hasSuffix("0") { s.removeLast() }  // r is not an integer, so a non-zero decimal stays
  return s
}
