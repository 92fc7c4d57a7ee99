// DeltaH — entropy change of softmax policies.

extension ReportTable {
  /// The table as CSV (RFC 4180: CRLF line ends; fields with a comma, a double quote, CR or LF are
  /// quoted and their quotes doubled), numbers in full precision, NaN/inf explicit and a missing
  /// value empty. The provenance comes first as `# ` comment lines (pandas `comment="#"`, R
  /// `comment.char = "#"`), then the header row with units.
  ///
  /// - Complexity: O(rows × columns).
  public func csv() -> String {
    var lines = ["# \(title)", "# label: \(label)", "# generator: \(provenance.generator)"]
    if let command = provenance.command { lines.append("# command: \(command)") }
    for s in provenance.settings { lines.append("# \(s.name): \(s.value)") }
    for f in provenance.sources { lines.append("# source: \(f)") }
    for w in warnings { lines.append("# warning: \(w)") }
    lines = lines.map { $0.replacingScalars("\r", with: " ").replacingScalars("\n", with: " ") }
    lines.append(columns.map { Self.csvField($0.header) }.joined(separator: ","))
    for row in rows {
      lines.append(row.map { cell -> String in
        switch cell {
        case .text(let s): return Self.csvField(s)
        case .integer(let i): return String(i)
        case .number(let x): return NumberFormatting.exact(x)
        case .missing: return ""
        }
      }.joined(separator: ","))
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  /// One RFC 4180 field: quoted when it holds `,`, `"`, CR or LF, with `"` doubled.
  ///
  /// - Complexity: O(n).
  public static func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return s }
    return "\"" + s.replacingScalars("\"", with: "\"\"") + "\""
  }
}
