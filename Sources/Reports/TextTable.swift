// DeltaH — entropy change of softmax policies.

/// A plain-text table for terminal output: the first column left-aligned, the others
/// right-aligned (numbers line up), columns separated by two spaces, a rule of dashes under the
/// header.
///
///     var t = TextTable("quantity", "value")
///     t.append("tokens", "512")
///     print(t.rendered())
///
/// A row shorter than the header ends early; cells beyond the header's count are
/// not shown.
public struct TextTable: Sendable {
  /// The column titles.
  public var header: [String]
  /// The rows, each a list of cells in column order.
  public var rows: [[String]] = []

  /// A table with these column titles and no rows.
  public init(_ header: String...) { self.header = header }

  /// Appends one row.
  ///
  /// - Complexity: amortised O(cells) (the variadic cells form one array).
  public mutating func append(_ cells: String...) { rows.append(cells) }

  /// Appends one row given as an array.
  ///
  /// - Complexity: amortised O(1).
  public mutating func append(cells: [String]) { rows.append(cells) }

  /// The table as lines of text (no trailing newline).
  ///
  /// - Complexity: O(total characters of all cells).
  public func rendered() -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.prefix(widths.count).enumerated().map { c, s in
        let pad = String(repeating: " ", count: widths[c] - s.count)
        return c == 0 ? s + pad : pad + s
      }.joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
  }
}

extension NumberFormatting {
  /// `x` in at most `digits` significant digits for terminal tables (C's `%.{digits}g`: trailing
  /// zeros dropped, scientific notation for exponents < −4 or ≥ `digits`); NaN → "nan",
  /// ±∞ → "inf"/"-inf".
  ///
  ///     terminal(0.5)                 "0.5"
  ///     terminal(1.0 / 3, digits: 4)  "0.3333"
  ///
  /// - Complexity: O(digits).
  public static func terminal(_ x: Double, digits: Int = 10) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    return printf("%.\(digits)g", x)
  }
}

/// ``NumberFormatting/terminal(_:digits:)``, the number format of every terminal table.
func formatNumber(_ x: Double, digits: Int = 10) -> String { NumberFormatting.terminal(x, digits: digits) }
