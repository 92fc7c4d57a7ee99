// DeltaH — entropy change of softmax policies.

import Foundation

extension ReportTable {
  /// The table as one JSON object with sorted keys: `title`, `label`, `columns` (`name`, `unit`,
  /// `header`), `rows` (arrays of numbers in full precision, strings, or null for a missing value;
  /// NaN and ±∞ as the strings "nan", "inf", "-inf", as `deltah … --json` writes them) and
  /// `provenance` (`generator`, `command`, `settings` as an object, `sources`).
  ///
  /// - Complexity: O(rows × columns).
  public func json() -> String {
    var object: [String: Any] = [
      "title": title, "label": label,
      "columns": columns.map { c -> [String: Any] in
        var o: [String: Any] = ["name": c.name, "header": c.header]
        o["unit"] = c.unit ?? NSNull()
        return o
      },
      "rows": rows.map { row in row.map { cell -> Any in
        switch cell {
        case .text(let s): return s
        case .integer(let i): return i
        case .number(let x): return x.isFinite ? x : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf"))
        case .missing: return NSNull()
        }
      } },
    ]
    var p: [String: Any] = [
      "generator": provenance.generator, "sources": provenance.sources,
      "settings": Dictionary(provenance.settings.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
    ]
    p["command"] = provenance.command ?? NSNull()
    object["provenance"] = p
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
