// DeltaH — entropy change of softmax policies.

/// A table for a paper or a talk: a caption, a label, typed columns with units, typed cells and
/// the provenance of the numbers, rendered as Markdown, LaTeX (booktabs + siunitx), CSV or JSON.
///
/// Display formats (Markdown, LaTeX) round numbers to each column's significant digits; the
/// machine formats (CSV, JSON) keep full precision. Integers are always exact. NaN and ±∞ are
/// written explicitly ("NaN", "inf", "-inf"), a missing value as an empty cell.
public struct ReportTable: Sendable, Equatable {
  /// The caption (LaTeX `\caption`, Markdown heading).
  public var title: String
  /// A short identifier, used as LaTeX `\label{tab:<label>}` and as the file stem.
  public var label: String
  /// The columns, left to right.
  public var columns: [Column]
  /// The rows; each has one cell per column.
  public private(set) var rows: [[Cell]] = []
  /// The settings and sources that produced the numbers.
  public var provenance: Provenance
  /// Warnings about the inputs behind the numbers (NaN rows excluded, audit disagreements, a
  /// defaulted η, ignored tensors, …), shown with the table in every format.
  public var warnings: [String] = []

  /// One column: a name, an optional unit shown in the header as `name (unit)`, and the
  /// significant digits its numbers are displayed with.
  public struct Column: Sendable, Equatable {
    public var name: String
    public var unit: String?
    public var significantDigits: Int

    public init(_ name: String, unit: String? = nil, significantDigits: Int = 4) {
      precondition(significantDigits >= 1 && significantDigits <= 17, "significant digits must be in 1…17")
      self.name = name
      self.unit = unit
      self.significantDigits = significantDigits
    }

    /// The header text: `name (unit)` or `name`.
    ///
    /// - Complexity: O(length of the name and unit).
    public var header: String { unit.map { "\(name) (\($0))" } ?? name }
  }

  /// A typed cell.
  public enum Cell: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case number(Double)
    case missing

    /// `.number` for a value, `.missing` for nil.
    ///
    /// - Complexity: O(1).
    public static func number(_ value: Double?) -> Cell { value.map(Cell.number) ?? .missing }
    /// `.integer` for a value, `.missing` for nil.
    ///
    /// - Complexity: O(1).
    public static func integer(_ value: Int?) -> Cell { value.map(Cell.integer) ?? .missing }
  }

  /// An empty table.
  public init(title: String, label: String, columns: [Column], provenance: Provenance) {
    precondition(!columns.isEmpty, "a table needs at least one column")
    self.title = title
    self.label = label
    self.columns = columns
    self.provenance = provenance
  }

  /// Appends a row.
  ///
  /// - Precondition: one cell per column.
  /// - Complexity: amortised O(columns).
  public mutating func append(_ cells: [Cell]) {
    precondition(cells.count == columns.count, "row has \(cells.count) cells, the table \(columns.count) columns")
    rows.append(cells)
  }

  /// Whether every present cell of column `c` is a number or an integer (and one is present):
  /// such columns are right-aligned, and in LaTeX aligned on the decimal point.
  ///
  /// - Complexity: O(rows).
  public func isNumeric(column c: Int) -> Bool {
    var any = false
    for row in rows {
      switch row[c] {
      case .number, .integer: any = true
      case .text: return false
      case .missing: continue
      }
    }
    return any
  }

  /// The display text of a cell (numbers rounded to the column's significant digits).
  ///
  /// - Complexity: O(1).
  public func displayText(row r: Int, column c: Int) -> String {
    switch rows[r][c] {
    case .text(let s): return s
    case .integer(let i): return String(i)
    case .number(let x): return NumberFormatting.significant(x, digits: columns[c].significantDigits)
    case .missing: return ""
    }
  }
}
