// DeltaH — entropy change of softmax policies.

import PolicyCliff

/// A report of one run: titled sections of tables and figures and the provenance of the whole,
/// rendered as one self-contained HTML page (``html()``) or written table by table and figure by
/// figure. Build it with the `add…` methods (``addAnalyses(_:)``, ``addComparison(_:)``,
/// ``addTrainingRun(_:learningRate:naturalGradient:settings:sources:)``, ``addSpectra(fisher:entropyHessian:settings:)``,
/// ``addPolicyCliff(_:)``, ``addDeltaHJSON(_:source:)``).
public struct RunReport: Sendable {
  /// The page title.
  public var title: String
  /// The provenance of the whole report (the union of every section's).
  public var provenance: Provenance
  /// The sections, in order.
  public var sections: [Section] = []
  /// Every warning of every input, prefixed by its source; shown at the top of the HTML page and
  /// with every table.
  public var warnings: [String] = []

  /// A heading with its tables and figures.
  public struct Section: Sendable {
    public var heading: String
    public var tables: [ReportTable]
    public var figures: [Figure]
    public init(heading: String, tables: [ReportTable] = [], figures: [Figure] = []) {
      self.heading = heading
      self.tables = tables
      self.figures = figures
    }
  }

  /// An empty report; `generator` is e.g. "DeltaH 0.1.0".
  public init(title: String, generator: String, command: String? = nil) {
    self.title = title
    self.provenance = Provenance(generator: generator, command: command)
  }

  /// Every table, in order, each carrying the report's ``warnings``.
  ///
  /// - Complexity: O(tables) (each table shares its rows and the warnings).
  public var tables: [ReportTable] {
    sections.flatMap(\.tables).map { table in
      var t = table
      t.warnings = warnings
      return t
    }
  }
  /// Every figure, in order.
  ///
  /// - Complexity: O(figures).
  public var figures: [Figure] { sections.flatMap(\.figures) }

  /// Appends a section and merges its tables' provenance into the report's.
  ///
  /// - Complexity: O(tables × settings²).
  public mutating func append(_ section: Section) {
    for t in section.tables { provenance = provenance.merged(with: t.provenance) }
    // Table and figure labels must stay unique (they name files and SVG ids).
    var s = section
    let used = Set(tables.map(\.label) + figures.map(\.label))
    for i in s.tables.indices { s.tables[i].label = Self.unique(s.tables[i].label, used) }
    for i in s.figures.indices {
      let label = Self.unique(s.figures[i].label, used)
      if label != s.figures[i].label {
        s.figures[i].svg = s.figures[i].svg.replacingScalars("clip-\(s.figures[i].label)", with: "clip-\(label)")
        s.figures[i].label = label
      }
    }
    sections.append(s)
  }

  static func unique(_ label: String, _ used: Set<String>) -> String {
    guard used.contains(label) else { return label }
    var n = 2
    while used.contains("\(label)-\(n)") { n += 1 }
    return "\(label)-\(n)"
  }
}

/// A bad report input: what and where, as one line (``message``), with the lower layer's error
/// kept typed in ``underlying`` when this one wraps it.
public struct ReportError: Error, CustomStringConvertible, Sendable {
  public let message: String
  /// The error this one wraps (nil for a problem found by the report itself).
  public let underlying: Underlying?

  /// The lower layers whose errors a ``ReportError`` nests.
  public enum Underlying: Sendable {
    /// The JSON decoder's error (a malformed file, a missing or mistyped key).
    case decoding(any Error)
    /// A policy-cliff result could not be recomputed from its values.
    case policyCliff(PolicyCliffError)
  }

  public init(_ message: String, underlying: Underlying? = nil) {
    self.message = message
    self.underlying = underlying
  }

  public var description: String { message }
}
