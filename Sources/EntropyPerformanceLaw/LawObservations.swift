// DeltaH — entropy change of softmax policies.

/// The (step, entropy, performance) points of one training run, as read from a log, with where
/// they came from: the file, the columns used and how each was chosen, and the rows skipped.
///
/// Points are kept in step order when a step column exists (stably sorted; a repeated step is an
/// error), otherwise in file order.
public struct LawObservations: Sendable, Equatable, Codable {
  /// The step of each point (nil when the log has no step column; the point's index is then used).
  public var steps: [Double]?
  /// The entropy H of each point (nats).
  public var entropies: [Double]
  /// The performance R of each point (reward, accuracy, …).
  public var performances: [Double]
  /// The file the points came from.
  public var source: String
  /// The kind of input: "csv", "jsonl", "tabular-run", "dumps".
  public var format: String
  /// The entropy and performance columns (keys) used, and the step column when there is one.
  public var entropyColumn: String
  public var performanceColumn: String
  public var stepColumn: String?
  /// Rows left out because their entropy or performance cell was empty (or the key absent/null).
  public var skippedRows: Int
  /// Remarks on how the points were assembled (e.g. the final state of a tabular run appended).
  public var notes: [String]

  public init(
    steps: [Double]?, entropies: [Double], performances: [Double], source: String, format: String,
    entropyColumn: String, performanceColumn: String, stepColumn: String?, skippedRows: Int = 0, notes: [String] = []
  ) {
    self.steps = steps
    self.entropies = entropies
    self.performances = performances
    self.source = source
    self.format = format
    self.entropyColumn = entropyColumn
    self.performanceColumn = performanceColumn
    self.stepColumn = stepColumn
    self.skippedRows = skippedRows
    self.notes = notes
  }

  /// The number of points.
  ///
  /// - Complexity: O(1).
  public var count: Int { entropies.count }

  enum CodingKeys: String, CodingKey {
    case steps, entropies, performances, source, format, notes
    case entropyColumn = "entropy_column"
    case performanceColumn = "performance_column"
    case stepColumn = "step_column"
    case skippedRows = "skipped_rows"
  }
}

/// One row of a table read from a log: its 1-based line number and its cells by column name.
struct LogRow {
  var line: Int
  var cells: [String: LogCell]
}

/// A cell: empty/absent, a number, or text that is not a number.
enum LogCell: Equatable {
  case empty
  case number(Double)
  case text(String)
}

extension LawObservations {
  /// Builds the points from rows, naming the first problem:
  /// a missing column (with the columns there are), a non-numeric cell (line and text), a
  /// non-finite value, a repeated step. Rows whose entropy or performance is empty are skipped
  /// and counted; an empty step cell is an error when the step column exists. Without
  /// `numberedLines` (rows that are not lines of a file) the errors name no line.
  static func fromRows(
    _ rows: [LogRow], columns: [String], source: String, format: String, entropyColumn: String,
    performanceColumn: String, stepColumn: String?, stepColumnRequired: Bool, entropyRequired: Bool = true,
    numberedLines: Bool = true
  ) throws(LawError) -> LawObservations {
    for name in entropyRequired ? [entropyColumn, performanceColumn] : [performanceColumn] where !columns.contains(name) {
      throw LawError(source: source, problem: "no column '\(name)' (columns: \(columns.joined(separator: ", ")))")
    }
    if let s = stepColumn, stepColumnRequired, !columns.contains(s) {
      throw LawError(source: source, problem: "no step column '\(s)' (columns: \(columns.joined(separator: ", ")))")
    }
    let step = stepColumn.flatMap { columns.contains($0) ? $0 : nil }
    var points: [(step: Double?, h: Double, r: Double, line: Int)] = []
    var skipped = 0
    for row in rows {
      func number(_ name: String) throws(LawError) -> Double? {
        switch row.cells[name] ?? .empty {
        case .empty: return nil
        case .text(let t): throw LawError(source: source, line: numberedLines ? row.line : nil, problem: "column '\(name)': '\(t)' is not a number")
        case .number(let x):
          guard x.isFinite else { throw LawError(source: source, line: numberedLines ? row.line : nil, problem: "column '\(name)': \(x) is not finite") }
          return x
        }
      }
      let h = entropyRequired ? try number(entropyColumn) : Double.nan
      let r = try number(performanceColumn)
      var s: Double? = nil
      if let step {
        s = try number(step)
        if s == nil { throw LawError(source: source, line: numberedLines ? row.line : nil, problem: "column '\(step)': the step is empty") }
      }
      guard let h, let r else {
        skipped += 1
        continue
      }
      points.append((s, h, r, row.line))
    }
    if step != nil {
      points = points.enumerated().sorted { ($0.element.step!, $0.offset) < ($1.element.step!, $1.offset) }.map(\.element)
      for i in points.indices.dropFirst() where points[i].step == points[i - 1].step {
        throw LawError(source: source, line: numberedLines ? max(points[i].line, points[i - 1].line) : nil, problem: "step \(points[i].step!) appears twice (lines \(min(points[i].line, points[i - 1].line)) and \(max(points[i].line, points[i - 1].line)))")
      }
    }
    return LawObservations(
      steps: step == nil ? nil : points.map { $0.step! }, entropies: points.map(\.h), performances: points.map(\.r),
      source: source, format: format, entropyColumn: entropyColumn, performanceColumn: performanceColumn,
      stepColumn: step, skippedRows: skipped)
  }
}
