// DeltaH — entropy change of softmax policies.

/// A rendered figure: an identifier (the file stem and the SVG clip-path id), a caption that
/// says what is drawn and from which settings, and the SVG markup.
public struct Figure: Sendable, Equatable {
  /// File stem, e.g. "entropy-trajectory".
  public var label: String
  /// The caption shown under the figure in the HTML report.
  public var caption: String
  /// The standalone SVG document.
  public var svg: String

  /// A figure from a plot, rendered with `label` as its SVG id.
  ///
  /// - Complexity: O(points).
  public init(label: String, caption: String, plot: Plot) {
    self.label = label
    self.caption = caption
    self.svg = plot.svg(id: label)
  }

  /// The SVG as a file of its own (`report --out`): a `<desc>` after the `<title>` holds the
  /// caption (what is drawn, with the settings and sources) and the report's `warnings`, which
  /// the HTML page shows beside the figure.
  ///
  /// - Complexity: O(size of the SVG).
  public func standaloneSVG(warnings: [String]) -> String {
    guard let title = svg.firstRange(of: "</title>\n") else { return svg }
    let text = caption + (warnings.isEmpty ? "" : " Warnings: " + warnings.joined(separator: "; "))
    return String(svg[..<title.upperBound]) + "<desc>\(xmlEscaped(text))</desc>\n" + String(svg[title.upperBound...])
  }
}
