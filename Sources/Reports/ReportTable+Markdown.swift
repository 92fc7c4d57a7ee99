// DeltaH — entropy change of softmax policies.

extension ReportTable {
  /// The table as GitHub-flavoured Markdown: a bold caption, the pipe table (numeric columns
  /// right-aligned, `|` in cells escaped), and an italic provenance line.
  ///
  /// - Complexity: O(rows × columns).
  public func markdown() -> String {
    func cell(_ s: String) -> String {
      s.replacingScalars("\\", with: "\\\\").replacingScalars("|", with: "\\|")
        .replacingScalars("\n", with: " ")
    }
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
}
