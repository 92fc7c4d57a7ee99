// DeltaH — entropy change of softmax policies.

/// A two-dimensional chart rendered to SVG by DeltaH itself: linear or log axes with nice ticks,
/// line, scatter, segment, bar and histogram series, reference lines, a legend and a title, sized
/// for one paper column (336 × 240 user units, drawn 3.5 in wide).
///
/// Non-finite points, and non-positive ones on a log axis, are left out.
public struct Plot: Sendable {
  /// The title drawn above the plot area.
  public var title: String
  public var x: Axis
  public var y: Axis
  public var series: [Series] = []
  public var references: [ReferenceLine] = []
  /// Extra legend lines without a swatch (e.g. "Pearson r = 0.987").
  public var legendNotes: [String] = []
  /// Category names for bar charts; x = i is drawn at category i.
  public var categories: [String]?
  /// Width and height in user units (1 unit = 3.5 in / 336 = 0.75 pt).
  public var width = 336.0
  public var height = 240.0
  /// Whether bar series share one slot per category (each category has a bar in one series only).
  var sharesBarSlots = false

  /// An axis: its label (with unit), scale and optional fixed range.
  public struct Axis: Sendable {
    public enum Scale: Sendable { case linear, logarithmic }
    public var label: String
    public var scale: Scale
    /// A range that must be shown (the ticks extend it to nice values).
    public var range: ClosedRange<Double>?
    /// Whether 0 must be inside the range (bars, counts).
    public var includesZero: Bool
    /// Whether ticks must be whole numbers (steps, ranks): the tick step is at least 1.
    public var integerTicks: Bool

    public init(_ label: String, scale: Scale = .linear, range: ClosedRange<Double>? = nil, includesZero: Bool = false, integerTicks: Bool = false) {
      self.integerTicks = integerTicks
      self.label = label
      self.scale = scale
      self.range = range
      self.includesZero = includesZero
    }
  }

  /// One data series.
  public struct Series: Sendable {
    public enum Kind: Sendable, Equatable {
      /// A polyline through the points in order (`dashed` for predictions).
      case line(dashed: Bool)
      /// One circle per point.
      case scatter
      /// A polyline with a circle at each point.
      case lineWithMarkers
      /// Separate segments between points 2i and 2i + 1 (dashed), e.g. predicted steps.
      case segments
      /// One bar per point from y = 0 (or the bottom of a log axis) to y, centred on x, for
      /// categorical or evenly spaced x; bars of several series are placed side by side.
      case bars
      /// Bins [edges[i], edges[i + 1]) with heights y; the points' x are ignored.
      case histogram(edges: [Double])
    }
    public var name: String
    public var kind: Kind
    public var points: [(x: Double, y: Double)]
    /// Palette index (default: the series' position).
    public var colour: Int?

    public init(_ name: String, kind: Kind, points: [(x: Double, y: Double)], colour: Int? = nil) {
      self.name = name
      self.kind = kind
      self.points = points
      self.colour = colour
    }

    /// A series from parallel x and y arrays.
    ///
    /// - Precondition: `x.count == y.count`.
    /// - Complexity: O(n).
    public init(_ name: String, kind: Kind, x: [Double], y: [Double], colour: Int? = nil) {
      precondition(x.count == y.count, "x has \(x.count) values, y \(y.count)")
      self.init(name, kind: kind, points: Array(zip(x, y)).map { (x: $0.0, y: $0.1) }, colour: colour)
    }
  }

  /// A reference line across the plot area.
  public enum ReferenceLine: Sendable {
    /// y = slope·x + intercept (y = x: slope 1, intercept 0).
    case line(slope: Double, intercept: Double, label: String)
    /// x = value.
    case vertical(Double, label: String)
    /// y = value.
    case horizontal(Double, label: String)
  }

  public init(title: String, x: Axis, y: Axis) {
    self.title = title
    self.x = x
    self.y = y
  }
}
