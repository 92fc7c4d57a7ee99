// DeltaH — entropy change of softmax policies.

import Reports

/// A plain-text table with right-aligned numeric columns, for terminal output.
struct TextTable {
  var header: [String]
  var rows: [[String]] = []

  init(_ header: String...) { self.header = header }

  mutating func append(_ cells: String...) { rows.append(cells) }
  mutating func append(cells: [String]) { rows.append(cells) }

  func rendered() -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { c, s in
        let pad = String(repeating: " ", count: widths[c] - s.count)
        return c == 0 ? s + pad : pad + s
      }.joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
  }
}

/// A number in fixed significant digits for tables (`%.10g`-like, via Swift's formatting).
func formatNumber(_ x: Double, digits: Int = 10) -> String {
  guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
  return NumberFormatting.printf("%.\(digits)g", x)
}
