// DeltaH — entropy change of softmax policies.

extension ReportTable {
  /// The table as GitHub-flavoured Markdown: a bold caption, the pipe table (numeric columns
  /// right-aligned), an italic provenance line and the warnings. Text is escaped
  /// (``markdownText(_:)``), so a file name such as `a*b*.safetensors` or `<run>` is shown as
  /// it is, not as emphasis or an HTML tag.
  ///
  /// - Complexity: O(rows × columns).
  public func markdown() -> String {
    let cell = Self.markdownText
    var lines = ["**\(cell(title))**", ""]
    lines.append("| " + columns.map { cell($0.header) }.joined(separator: " | ") + " |")
    lines.append("|" + columns.indices.map { isNumeric(column: $0) ? " ---: " : " :--- " }.joined(separator: "|") + "|")
    for r in rows.indices {
      lines.append("| " + columns.indices.map { c in
        if case .missing = rows[r][c] { return "–" }
        return cell(displayText(row: r, column: c))
      }.joined(separator: " | ") + " |")
    }
    lines.append("")
    lines.append("*\(cell(provenance.summaryLine))*")
    if !warnings.isEmpty {
      lines.append("")
      lines.append("> **Warning\(warnings.count > 1 ? "s" : "")**")
      for w in warnings { lines.append("> - \(cell(w))") }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Text as Markdown shows it literally, on one line: backslash, pipe, asterisk, backtick,
  /// brackets and `<` backslash-escaped, `_` escaped unless it joins two letters or digits
  /// (`step_0001` stays as it is, `_x_` is not emphasis), line breaks as spaces.
  ///
  /// - Complexity: O(n).
  static func markdownText(_ s: String) -> String {
    let characters = Array(s)
    var out = ""
    for (i, ch) in characters.enumerated() {
      switch ch {
      case "\\", "|", "*", "`", "[", "]", "<": out += "\\" + String(ch)
      case "_":
        let inWord = i > 0 && i + 1 < characters.count && (characters[i - 1].isLetter || characters[i - 1].isNumber)
          && (characters[i + 1].isLetter || characters[i + 1].isNumber)
        out += inWord ? "_" : "\\_"
      case "\n", "\r", "\r\n": out += " "
      default: out.append(ch)
      }
    }
    return out
  }
}
