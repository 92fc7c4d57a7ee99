// DeltaH — entropy change of softmax policies.


extension ReportTable {
  /// The table as one JSON object with sorted keys: `title`, `label`, `columns` (`name`, `unit`,
  /// `header`), `rows` (arrays of numbers in full precision, −0 as 0, strings, or null for a missing value;
  /// NaN and ±∞ as the strings "nan", "inf", "-inf", as `deltah … --json` writes them) and
  /// `provenance` (`generator`, `command`, `settings` as an object, `sources`).
  ///
  /// - Complexity: O(rows × columns).
  public func json() -> String {
    let columns: [JSONValue] = self.columns.map { c in
      .object(["name": .string(c.name), "header": .string(c.header), "unit": c.unit.map(JSONValue.string) ?? .null])
    }
    let rows: [JSONValue] = self.rows.map { row in
      .array(row.map { cell -> JSONValue in
        switch cell {
        case .text(let s): return .string(s)
        case .integer(let i): return .integer(i)
        // −0 is written 0, as the other formats write it (NumberFormatting).
        case .number(let x): return x.isFinite ? .number(x == 0 ? 0 : x) : .string(x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf"))
        case .missing: return .null
        }
      })
    }
    let provenance: JSONValue = .object([
      "generator": .string(self.provenance.generator),
      "command": self.provenance.command.map(JSONValue.string) ?? .null,
      "sources": .array(self.provenance.sources.map(JSONValue.string)),
      "settings": .object(Dictionary(self.provenance.settings.map { ($0.name, JSONValue.string($0.value)) }, uniquingKeysWith: { a, _ in a })),
    ])
    return JSONValue.object([
      "title": .string(title), "label": .string(label), "columns": .array(columns), "rows": .array(rows),
      "provenance": provenance, "warnings": .array(warnings.map(JSONValue.string)),
    ]).prettyPrinted
  }
}
