// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif

extension Plot {
  /// Font sizes in user units (0.75 pt each at 3.5 in wide): ticks 9.5, labels and legend 10.5,
  /// title 12.
  static let tickFont = 9.5, labelFont = 10.5, titleFont = 12.0
  static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

  /// The chart as a standalone SVG document (`<svg xmlns=…>` root, no XML declaration, so it can
  /// be inlined in HTML as is). `id` makes the clip-path identifier unique when several charts
  /// share one page.
  ///
  /// - Complexity: O(points + ticks).
  public func svg(id: String = "plot") -> String {
    let safeID = String(id.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
    var w = _SVGWriter()
    w.open("svg", [
      "xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 \(svgNumber(width)) \(svgNumber(height))",
      "width": "3.5in", "height": "\(svgNumber(3.5 * height / width))in", "role": "img",
      "font-family": Self.fontFamily,
    ])
    w.element("title", [:], text: title)
    w.element("rect", ["x": "0", "y": "0", "width": svgNumber(width), "height": svgNumber(height), "fill": "#FFFFFF"])

    let xd = domain(of: x, values: xValues, categorical: categories != nil)
    let yd = domain(of: y, values: yValues, categorical: false)
    // Left margin from the widest y tick label.
    let yLabelWidth = yd.ticks.map { Self.textWidth(plainLabel($0.label), size: Self.tickFont) }.max() ?? 10
    let left = 8 + Self.labelFont + 6 + yLabelWidth + 4
    let lastXLabel = xd.ticks.last.map { Self.textWidth(plainLabel($0.label), size: Self.tickFont) } ?? 0
    let right = width - max(10, lastXLabel / 2 + 4)
    let top = 24.0
    let categoryLines = Double(categories?.map { $0.split(separator: "\n").count }.max() ?? 1)
    let bottom = height - (14 + Self.labelFont + Self.tickFont * categoryLines + 4)
    let frame = Frame(left: left, right: right, top: top, bottom: bottom)
    let sx = { (v: Double) in frame.left + (frame.right - frame.left) * xd.fraction(v) }
    let sy = { (v: Double) in frame.bottom - (frame.bottom - frame.top) * yd.fraction(v) }

    // Title, shrunk to fit the width.
    let titleSize = min(Self.titleFont, max(8, Self.titleFont * (width - 12) / max(1, Self.textWidth(title, size: Self.titleFont))))
    w.element("text", ["x": svgNumber(width / 2), "y": "15", "text-anchor": "middle", "font-size": svgNumber(titleSize), "font-weight": "bold"], text: title)

    // Grid, ticks and tick labels.
    for t in yd.ticks {
      let py = sy(t.value)
      w.element("line", ["x1": svgNumber(frame.left), "x2": svgNumber(frame.right), "y1": svgNumber(py), "y2": svgNumber(py), "stroke": Palette.grid, "stroke-width": "0.75"])
      w.element("line", ["x1": svgNumber(frame.left - 3), "x2": svgNumber(frame.left), "y1": svgNumber(py), "y2": svgNumber(py), "stroke": "#000000", "stroke-width": "0.75"])
      tickLabel(&w, t.label, x: frame.left - 5, y: py + Self.tickFont * 0.35, anchor: "end")
    }
    for t in xd.ticks {
      let px = sx(t.value)
      w.element("line", ["x1": svgNumber(px), "x2": svgNumber(px), "y1": svgNumber(frame.bottom), "y2": svgNumber(frame.bottom + 3), "stroke": "#000000", "stroke-width": "0.75"])
      tickLabel(&w, t.label, x: px, y: frame.bottom + 4 + Self.tickFont, anchor: "middle")
    }
    w.element("path", ["d": "M\(svgNumber(frame.left)) \(svgNumber(frame.top))V\(svgNumber(frame.bottom))H\(svgNumber(frame.right))", "fill": "none", "stroke": "#000000", "stroke-width": "0.9"])

    // Axis labels.
    w.element("text", ["x": svgNumber((frame.left + frame.right) / 2), "y": svgNumber(height - 5), "text-anchor": "middle", "font-size": svgNumber(Self.labelFont)], text: x.label)
    let yMid = (frame.top + frame.bottom) / 2
    w.element("text", ["x": svgNumber(8 + Self.labelFont * 0.8), "y": svgNumber(yMid), "text-anchor": "middle", "font-size": svgNumber(Self.labelFont), "transform": "rotate(-90 \(svgNumber(8 + Self.labelFont * 0.8)) \(svgNumber(yMid)))"], text: y.label)

    // Data, clipped to the plot area.
    w.open("clipPath", ["id": "clip-\(safeID)"])
    // 3 units of slack so markers and lines on the frame's edges stay whole.
    w.element("rect", ["x": svgNumber(frame.left - 3), "y": svgNumber(frame.top - 3), "width": svgNumber(frame.right - frame.left + 6), "height": svgNumber(frame.bottom - frame.top + 6)])
    w.close("clipPath")
    w.open("g", ["clip-path": "url(#clip-\(safeID))"])
    drawReferences(&w, frame: frame, xd: xd, yd: yd, sx: sx, sy: sy)
    drawSeries(&w, frame: frame, xd: xd, yd: yd, sx: sx, sy: sy)
    w.close("g")
    drawLegend(&w, frame: frame, sx: sx, sy: sy)
    w.close("svg")
    return w.body.joined(separator: "\n") + "\n"
  }

  // MARK: - Layout

  struct Frame { var left, right, top, bottom: Double }

  struct Domain {
    var lower: Double, upper: Double
    var logarithmic: Bool
    var ticks: [(value: Double, label: String)]
    func fraction(_ v: Double) -> Double {
      logarithmic ? (log10(v) - log10(lower)) / (log10(upper) - log10(lower)) : (v - lower) / (upper - lower)
    }
    func accepts(_ v: Double) -> Bool { v.isFinite && (!logarithmic || v > 0) }
  }

  var xValues: [Double] {
    var v: [Double] = []
    for s in series {
      switch s.kind {
      case .histogram(let edges): v += edges
      case .bars: v += s.points.flatMap { [$0.x - 0.5, $0.x + 0.5] }
      default: v += s.points.map(\.x)
      }
    }
    for r in references { if case .vertical(let value, _) = r { v.append(value) } }
    return v
  }

  var yValues: [Double] {
    var v: [Double] = []
    for s in series {
      v += s.points.map(\.y)
      if case .bars = s.kind, y.scale == .linear { v.append(0) }
      if case .histogram = s.kind, y.scale == .linear { v.append(0) }
    }
    for r in references { if case .horizontal(let value, _) = r { v.append(value) } }
    return v
  }

  func domain(of axis: Axis, values: [Double], categorical: Bool) -> Domain {
    if categorical, let categories {
      let ticks = categories.indices.map { (value: Double($0), label: categories[$0]) }
      return Domain(lower: -0.5, upper: Double(categories.count) - 0.5, logarithmic: false, ticks: ticks)
    }
    let log = axis.scale == .logarithmic
    var data = values.filter { $0.isFinite && (!log || $0 > 0) }
    if let r = axis.range { data += [r.lowerBound, r.upperBound].filter { !log || $0 > 0 } }
    if axis.includesZero && !log { data.append(0) }
    var lo = data.min() ?? (log ? 0.1 : 0), hi = data.max() ?? (log ? 10 : 1)
    if log {
      let ticks = AxisTicks.logarithmic(lower: lo, upper: hi)
      lo = ticks.first!; hi = ticks.last!
      let plainDecades = ticks.count > 1 && ticks.contains(where: { log10($0) != log10($0).rounded() })
      return Domain(lower: lo, upper: hi, logarithmic: true, ticks: ticks.map { t in
        let e = Int(log10(t).rounded())
        return (t, plainDecades ? AxisTicks.label(t, step: pow(10, Double(Int(log10(t).rounded(.down))))) : "10^\(e)")
      })
    }
    var (ticks, step) = AxisTicks.linear(lower: lo, upper: hi)
    if axis.integerTicks && step < 1 {
      step = 1
      let a = lo.rounded(.down), b = max(hi.rounded(.up), a + 1)
      ticks = Swift.stride(from: a, through: b, by: 1).map { $0 }
    }
    return Domain(lower: ticks.first!, upper: ticks.last!, logarithmic: false, ticks: ticks.map { ($0, AxisTicks.label($0, step: step)) })
  }

  /// "10^-3" is drawn as 10 with a superscript; other labels as they are, lines split at "\n".
  func tickLabel(_ w: inout _SVGWriter, _ label: String, x: Double, y: Double, anchor: String) {
    if label.hasPrefix("10^") {
      let exponent = String(label.dropFirst(3)).replacingScalars("-", with: "\u{2212}")
      w.raw("<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\" font-size=\"\(svgNumber(Self.tickFont))\">10<tspan dy=\"-4\" font-size=\"\(svgNumber(Self.tickFont * 0.75))\">\(xmlEscaped(exponent))</tspan></text>")
      return
    }
    let lines = label.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.count == 1 {
      w.element("text", ["x": svgNumber(x), "y": svgNumber(y), "text-anchor": anchor, "font-size": svgNumber(Self.tickFont)], text: label)
      return
    }
    var markup = "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\" font-size=\"\(svgNumber(Self.tickFont))\">"
    for (i, line) in lines.enumerated() {
      markup += "<tspan x=\"\(svgNumber(x))\" dy=\"\(i == 0 ? "0" : svgNumber(Self.tickFont * 1.1))\">\(xmlEscaped(String(line)))</tspan>"
    }
    w.raw(markup + "</text>")
  }

  func plainLabel(_ label: String) -> String {
    if label.hasPrefix("10^") { return "10" + label.dropFirst(3) }
    let lines: [Substring] = label.split(separator: "\n")
    return lines.max(by: { $0.count < $1.count }).map(String.init) ?? label
  }

  /// Approximate text width for DejaVu Sans (0.6 em per character).
  static func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.6 }

  // MARK: - Drawing

  func drawReferences(_ w: inout _SVGWriter, frame: Frame, xd: Domain, yd: Domain, sx: (Double) -> Double, sy: (Double) -> Double) {
    for (i, r) in references.enumerated() {
      let dash = i % 2 == 0 ? "5 3" : "2 2"
      switch r {
      case .vertical(let v, _) where xd.accepts(v):
        w.element("line", ["x1": svgNumber(sx(v)), "x2": svgNumber(sx(v)), "y1": svgNumber(frame.top), "y2": svgNumber(frame.bottom), "stroke": Palette.reference, "stroke-width": "1.1", "stroke-dasharray": dash, "class": "reference"])
      case .horizontal(let v, _) where yd.accepts(v):
        w.element("line", ["x1": svgNumber(frame.left), "x2": svgNumber(frame.right), "y1": svgNumber(sy(v)), "y2": svgNumber(sy(v)), "stroke": Palette.reference, "stroke-width": "1.1", "stroke-dasharray": dash, "class": "reference"])
      case .line(let slope, let intercept, _):
        // Sampled so that a straight line stays right on log axes; clipped by the group.
        let n = xd.logarithmic || yd.logarithmic ? 64 : 1
        var d = ""
        for k in 0...n {
          let t = Double(k) / Double(n)
          let xv = xd.logarithmic ? pow(10, log10(xd.lower) + t * (log10(xd.upper) - log10(xd.lower))) : xd.lower + t * (xd.upper - xd.lower)
          let yv = slope * xv + intercept
          guard yd.accepts(yv) else { continue }
          d += (d.isEmpty ? "M" : "L") + "\(svgNumber(sx(xv))) \(svgNumber(min(max(sy(yv), -1e4), 1e4)))"
        }
        if !d.isEmpty { w.element("path", ["d": d, "fill": "none", "stroke": Palette.reference, "stroke-width": "1.1", "stroke-dasharray": dash, "class": "reference"]) }
      default: continue
      }
    }
  }

  func drawSeries(_ w: inout _SVGWriter, frame: Frame, xd: Domain, yd: Domain, sx: (Double) -> Double, sy: (Double) -> Double) {
    let barSeries = series.indices.filter { if case .bars = series[$0].kind { return true } else { return false } }
    let baseline = yd.logarithmic ? yd.lower : min(max(0, yd.lower), yd.upper)
    for (index, s) in series.enumerated() {
      let colour = Palette.colour(s.colour ?? index)
      let points = s.points.filter { xd.accepts($0.x) && yd.accepts($0.y) }
      switch s.kind {
      case .line, .lineWithMarkers:
        let isDashed: Bool = { if case .line(let d) = s.kind { return d } else { return false } }()
        if points.count >= 2 {
          let d = points.enumerated().map { ($0.offset == 0 ? "M" : "L") + "\(svgNumber(sx($0.element.x))) \(svgNumber(sy($0.element.y)))" }.joined()
          var attributes: [(String, String)] = [("d", d), ("fill", "none"), ("stroke", colour), ("stroke-width", "1.6"), ("stroke-linejoin", "round"), ("class", "series")]
          if isDashed { attributes.append(("stroke-dasharray", "5 3")) }
          w.raw("<path " + attributes.map { "\($0.0)=\"\(xmlEscaped($0.1))\"" }.joined(separator: " ") + "/>")
        }
        if case .lineWithMarkers = s.kind {
          for p in points { w.element("circle", ["cx": svgNumber(sx(p.x)), "cy": svgNumber(sy(p.y)), "r": "2.4", "fill": colour, "class": "marker"]) }
        }
      case .scatter:
        for p in points {
          w.element("circle", ["cx": svgNumber(sx(p.x)), "cy": svgNumber(sy(p.y)), "r": "2.2", "fill": colour, "fill-opacity": "0.7", "class": "point"])
        }
      case .segments:
        var d = ""
        var i = 0
        while i + 1 < s.points.count {
          let a = s.points[i], b = s.points[i + 1]
          if xd.accepts(a.x), yd.accepts(a.y), xd.accepts(b.x), yd.accepts(b.y) {
            d += "M\(svgNumber(sx(a.x))) \(svgNumber(sy(a.y)))L\(svgNumber(sx(b.x))) \(svgNumber(sy(b.y)))"
          }
          i += 2
        }
        if !d.isEmpty { w.element("path", ["d": d, "fill": "none", "stroke": colour, "stroke-width": "1.6", "stroke-dasharray": "4 2", "class": "series"]) }
      case .bars:
        let k = sharesBarSlots ? 1 : max(1, barSeries.count), slot = sharesBarSlots ? 0 : barSeries.firstIndex(of: index) ?? 0
        let unit = sx(1) - sx(0)
        let barWidth = unit * 0.8 / Double(k)
        for p in points {
          let x0 = sx(p.x) - unit * 0.4 + Double(slot) * barWidth
          let y0 = sy(p.y), y1 = sy(baseline)
          w.element("rect", ["x": svgNumber(x0), "y": svgNumber(min(y0, y1)), "width": svgNumber(barWidth * 0.92), "height": svgNumber(abs(y1 - y0)), "fill": colour, "class": "bar"])
        }
      case .histogram(let edges):
        for (i, count) in s.points.map(\.y).enumerated() where i + 1 < edges.count && yd.accepts(count) && count > 0 {
          let x0 = sx(edges[i]), x1 = sx(edges[i + 1])
          let y0 = sy(count), y1 = sy(baseline)
          w.element("rect", ["x": svgNumber(x0), "y": svgNumber(y0), "width": svgNumber(max(0.5, x1 - x0 - 0.4)), "height": svgNumber(max(0, y1 - y0)), "fill": colour, "fill-opacity": "0.85", "class": "bin"])
        }
      }
    }
  }

  struct LegendEntry { var text: String; var swatch: Swatch }
  enum Swatch { case line(String, dashed: Bool), dot(String), box(String), none }

  var legendEntries: [LegendEntry] {
    var entries: [LegendEntry] = []
    for (i, s) in series.enumerated() where !s.name.isEmpty {
      let c = Palette.colour(s.colour ?? i)
      switch s.kind {
      case .line(let dashed): entries.append(.init(text: s.name, swatch: .line(c, dashed: dashed)))
      case .segments: entries.append(.init(text: s.name, swatch: .line(c, dashed: true)))
      case .scatter, .lineWithMarkers: entries.append(.init(text: s.name, swatch: .dot(c)))
      case .bars, .histogram: entries.append(.init(text: s.name, swatch: .box(c)))
      }
    }
    for r in references {
      switch r {
      case .line(_, _, let l), .vertical(_, let l), .horizontal(_, let l):
        if !l.isEmpty { entries.append(.init(text: l, swatch: .line(Palette.reference, dashed: true))) }
      }
    }
    entries += legendNotes.map { .init(text: $0, swatch: .none) }
    return entries
  }

  /// The legend goes in the corner of the plot area that covers the fewest data points.
  func drawLegend(_ w: inout _SVGWriter, frame: Frame, sx: (Double) -> Double, sy: (Double) -> Double) {
    let entries = legendEntries
    guard !entries.isEmpty else { return }
    let lineHeight = Self.labelFont * 1.25
    let boxWidth = 22 + (entries.map { Self.textWidth($0.text, size: Self.labelFont * 0.95) }.max() ?? 0) + 6
    let boxHeight = Double(entries.count) * lineHeight + 5
    let pixels: [(Double, Double)] = series.flatMap { s -> [(Double, Double)] in
      if case .histogram(let edges) = s.kind {
        return s.points.indices.compactMap { i in i + 1 < edges.count ? (sx((edges[i] + edges[i + 1]) / 2), sy(s.points[i].y)) : nil }
      }
      return s.points.map { (sx($0.x), sy($0.y)) }
    }.filter { $0.0.isFinite && $0.1.isFinite }
    let corners = [
      (frame.right - boxWidth - 4, frame.top + 3), (frame.left + 6, frame.top + 3),
      (frame.right - boxWidth - 4, frame.bottom - boxHeight - 4), (frame.left + 6, frame.bottom - boxHeight - 4),
    ]
    func covered(_ c: (Double, Double)) -> Int {
      pixels.filter { $0.0 >= c.0 - 3 && $0.0 <= c.0 + boxWidth + 3 && $0.1 >= c.1 - 3 && $0.1 <= c.1 + boxHeight + 3 }.count
    }
    let corner = corners.min(by: { covered($0) < covered($1) })!
    w.open("g", ["class": "legend"])
    w.element("rect", ["x": svgNumber(corner.0), "y": svgNumber(corner.1), "width": svgNumber(boxWidth), "height": svgNumber(boxHeight), "fill": "#FFFFFF", "fill-opacity": "0.88", "stroke": "#BBBBBB", "stroke-width": "0.6"])
    for (i, e) in entries.enumerated() {
      let cy = corner.1 + 3 + lineHeight * (Double(i) + 0.5)
      let x0 = corner.0 + 4
      switch e.swatch {
      case .line(let c, let dashed):
        var attributes: KeyValuePairs<String, String> = ["x1": svgNumber(x0), "x2": svgNumber(x0 + 14), "y1": svgNumber(cy), "y2": svgNumber(cy), "stroke": c, "stroke-width": "1.6"]
        if dashed { attributes = ["x1": svgNumber(x0), "x2": svgNumber(x0 + 14), "y1": svgNumber(cy), "y2": svgNumber(cy), "stroke": c, "stroke-width": "1.6", "stroke-dasharray": "4 2"] }
        w.element("line", attributes)
      case .dot(let c): w.element("circle", ["cx": svgNumber(x0 + 7), "cy": svgNumber(cy), "r": "2.6", "fill": c])
      case .box(let c): w.element("rect", ["x": svgNumber(x0 + 2), "y": svgNumber(cy - 4), "width": "10", "height": "8", "fill": c])
      case .none: break
      }
      w.element("text", ["x": svgNumber(x0 + 18), "y": svgNumber(cy + Self.labelFont * 0.33), "font-size": svgNumber(Self.labelFont * 0.95)], text: e.text)
    }
    w.close("g")
  }
}
