// DeltaH — entropy change of softmax policies.

import FoundationEssentials
import LogitDumps
import _NumericsSupport

extension LawObservations {
  /// Which columns to read: the entropy and performance columns, and the step column (used when
  /// present, required only when `stepRequired`).
  public struct Columns: Sendable, Equatable {
    public var entropy: String
    public var performance: String
    public var step: String
    public var stepRequired: Bool
    /// false for a rewards log matched to dumps: the entropy column is not read and every
    /// entropy is NaN (the dumps supply it).
    public var entropyRequired: Bool
    public init(entropy: String = "entropy", performance: String = "reward", step: String = "step", stepRequired: Bool = false, entropyRequired: Bool = true) {
      self.entropy = entropy
      self.performance = performance
      self.step = step
      self.stepRequired = stepRequired
      self.entropyRequired = entropyRequired
    }
  }

  /// Reads a training log, recognising its kind from the content:
  ///
  ///     a JSON object with "steps" (array) and "summary"   `deltah bandit|mdp --json`: one point per
  ///                                                        step record; with the default columns
  ///                                                        (entropy, reward) the summary's final
  ///                                                        state is appended as step T
  ///     lines that are JSON objects                        JSON lines, one row per line
  ///     anything else                                      CSV with a header row (RFC 4180 quoting
  ///                                                        on one line; lines starting with '#' and
  ///                                                        blank lines are skipped)
  ///
  /// Rows whose entropy or performance is empty (CSV), absent or null (JSON) are skipped and
  /// counted in ``skippedRows``.
  ///
  /// - Throws: ``LawError`` naming the file, line and column: a missing column (listing those
  ///   present), a cell that is not a number, a non-finite value, a repeated step, a malformed line.
  /// - Complexity: O(size of the text + n log n).
  public init(text: String, source: String, columns: Columns = Columns()) throws(LawError) {
    let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }
    if trimmed.first == "{" {
      if let object = try? JSONDecoder().decode([String: LogJSON].self, from: Data(text.utf8)),
        case .array(let records)? = object["steps"], case .object(let summary)? = object["summary"]
      {
        self = try Self.tabularRun(records: records, summary: summary, source: source, columns: columns)
        return
      }
      self = try Self.jsonLines(text, source: source, columns: columns)
      return
    }
    self = try Self.csv(text, source: source, columns: columns)
  }

  /// Reads the file at `path`; see ``init(text:source:columns:)``.
  ///
  /// - Throws: ``LawError`` when the file cannot be read or is not UTF-8, and as
  ///   ``init(text:source:columns:)``.
  /// - Complexity: O(file size + n log n).
  public init(contentsOf path: String, columns: Columns = Columns()) throws(LawError) {
    // Regular files only, opened without blocking: a FIFO or a device is refused, not waited on.
    let bytes: [UInt8]
    do throws(DumpError) { bytes = try InputFile.contents(of: path) } catch { throw LawError(error) }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw LawError(source: path, problem: "not UTF-8 text") }
    try self.init(text: text, source: path, columns: columns)
  }

  // MARK: - CSV

  static func csv(_ text: String, source: String, columns: Columns) throws(LawError) -> LawObservations {
    var header: [String]?
    var rows: [LogRow] = []
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let lineNumber = index + 1
      var line = Substring(rawLine)
      if line.hasSuffix("\r") { line = line.dropLast() }
      if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
      let cells = try splitCSVLine(line, source: source, line: lineNumber)
      guard let names = header else {
        let names = cells.map { String($0.trimmingWhitespace()) }
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted {
          throw LawError(source: source, line: lineNumber, problem: "the header names column '\(n)' twice")
        }
        header = names
        continue
      }
      guard cells.count == names.count else {
        throw LawError(source: source, line: lineNumber, problem: "\(cells.count) cells, but the header has \(names.count) columns")
      }
      var row = LogRow(line: lineNumber, cells: [:])
      for (name, raw) in zip(names, cells) {
        let cell = String(raw.trimmingWhitespace())
        row.cells[name] = cell.isEmpty ? .empty : Double(cell).map(LogCell.number) ?? .text(cell)
      }
      rows.append(row)
    }
    guard let names = header else { throw LawError(source: source, problem: "empty log: no header row") }
    return try fromRows(
      rows, columns: names, source: source, format: "csv", entropyColumn: columns.entropy,
      performanceColumn: columns.performance, stepColumn: columns.step, stepColumnRequired: columns.stepRequired,
      entropyRequired: columns.entropyRequired)
  }

  /// Splits one CSV line into cells (RFC 4180: "…" quotes, "" is a quote inside quotes).
  static func splitCSVLine(_ line: Substring, source: String, line lineNumber: Int) throws(LawError) -> [String] {
    var cells: [String] = []
    var cell = ""
    var quoted = false
    var atCellStart = true
    var iterator = line.makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
      pending = nil
      if quoted {
        if c == "\"" {
          if let next = iterator.next() {
            if next == "\"" { cell.append("\"") } else { quoted = false; pending = next }
          } else {
            quoted = false
          }
        } else {
          cell.append(c)
        }
      } else if c == "\"" && atCellStart {
        quoted = true
        atCellStart = false
      } else if c == "," {
        cells.append(cell)
        cell = ""
        atCellStart = true
      } else {
        if c != " " && c != "\t" { atCellStart = false }
        cell.append(c)
      }
    }
    guard !quoted else { throw LawError(source: source, line: lineNumber, problem: "unterminated quoted cell") }
    cells.append(cell)
    return cells
  }

  // MARK: - JSON

  static func jsonLines(_ text: String, source: String, columns: Columns) throws(LawError) -> LawObservations {
    var rows: [LogRow] = []
    var names: [String] = []
    var known = Set<String>()
    let decoder = JSONDecoder()
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = String(rawLine.trimmingWhitespace())
      if line.isEmpty { continue }
      guard let object = try? decoder.decode([String: LogJSON].self, from: Data(line.utf8)) else {
        throw LawError(source: source, line: index + 1, problem: "not a JSON object (JSON lines need one object per line)")
      }
      for key in object.keys.sorted() where known.insert(key).inserted { names.append(key) }
      rows.append(LogRow(line: index + 1, cells: object.mapValues(\.cell)))
    }
    guard !rows.isEmpty else { throw LawError(source: source, problem: "empty log: no JSON lines") }
    return try fromRows(
      rows, columns: names, source: source, format: "jsonl", entropyColumn: columns.entropy,
      performanceColumn: columns.performance, stepColumn: columns.step, stepColumnRequired: columns.stepRequired,
      entropyRequired: columns.entropyRequired)
  }

  static func tabularRun(records: [LogJSON], summary: [String: LogJSON], source: String, columns: Columns) throws(LawError) -> LawObservations {
    var rows: [LogRow] = []
    var names: [String] = []
    var known = Set<String>()
    for (i, record) in records.enumerated() {
      guard case .object(let object) = record else {
        throw LawError(source: source, problem: "steps[\(i)] is not an object (expected deltah bandit|mdp --json)")
      }
      for key in object.keys.sorted() where known.insert(key).inserted { names.append(key) }
      rows.append(LogRow(line: 0, cells: object.mapValues(\.cell)))
    }
    var notes: [String] = []
    let appendFinal = columns.entropy == "entropy" && columns.performance == "reward"
    if appendFinal, case .number(let h)? = summary["final_entropy"].map(\.cell), case .number(let r)? = summary["final_reward"].map(\.cell) {
      var last = -1.0
      if case .number(let s)? = rows.last?.cells[columns.step] { last = s }
      rows.append(LogRow(line: 0, cells: [columns.entropy: .number(h), columns.performance: .number(r), columns.step: .number(last + 1)]))
      notes.append("the run's final state (summary final_entropy, final_reward) is appended as step \(Int(last + 1))")
    }
    // Step records have no line numbers of their own.
    var o = try fromRows(
      rows, columns: names, source: source, format: "tabular-run", entropyColumn: columns.entropy,
      performanceColumn: columns.performance, stepColumn: columns.step, stepColumnRequired: columns.stepRequired,
      entropyRequired: columns.entropyRequired, numberedLines: false)
    o.notes += notes
    return o
  }
}

/// A JSON value as far as a log needs it.
enum LogJSON: Decodable {
  case null
  case number(Double)
  case string(String)
  case bool(Bool)
  case array([LogJSON])
  case object([String: LogJSON])

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .null }
    else if let b = try? c.decode(Bool.self) { self = .bool(b) }
    else if let x = try? c.decode(Double.self) { self = .number(x) }
    else if let s = try? c.decode(String.self) { self = .string(s) }
    else if let a = try? c.decode([LogJSON].self) { self = .array(a) }
    else { self = .object(try c.decode([String: LogJSON].self)) }
  }

  /// Numbers are numbers; "nan", "inf", "-inf" (as DeltaH writes non-finite values) are the
  /// corresponding doubles; null is empty; anything else is text.
  var cell: LogCell {
    switch self {
    case .null: return .empty
    case .number(let x): return .number(x)
    case .string("nan"), .string("NaN"): return .number(.nan)
    case .string("inf"), .string("Infinity"): return .number(.infinity)
    case .string("-inf"), .string("-Infinity"): return .number(-.infinity)
    case .string(let s): return .text(s)
    case .bool(let b): return .text("\(b)")
    case .array: return .text("[…]")
    case .object: return .text("{…}")
    }
  }
}
