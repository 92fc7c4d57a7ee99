// DeltaH — entropy change of softmax policies.

extension RunReport {
  /// The report as one self-contained page: XHTML-compatible markup (it parses as XML), inline
  /// CSS and inline SVG figures, no scripts and no network resources. Each table is an HTML
  /// table (numbers rounded as in Markdown, numeric columns right-aligned) with its caption and
  /// provenance; each figure has its caption.
  ///
  /// - Complexity: O(size of the tables and figures).
  public func html() -> String {
    var out = """
      <!DOCTYPE html>
      <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
      <head>
      <meta charset="utf-8"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <meta name="generator" content="\(xmlEscaped(provenance.generator))"/>
      <title>\(xmlEscaped(title))</title>
      <style>
      body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #111; margin: 24px auto; max-width: 1120px; padding: 0 16px; line-height: 1.4; }
      h1 { font-size: 1.5em; margin-bottom: 0.2em; }
      h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
      .provenance { font-size: 0.85em; color: #444; background: #f6f6f6; border: 1px solid #e2e2e2; padding: 6px 10px; overflow-wrap: anywhere; }
      table { border-collapse: collapse; margin: 0.8em 0 0.3em; font-size: 0.85em; }
      caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 4px; }
      th, td { padding: 2px 9px; white-space: nowrap; }
      thead th { border-top: 2px solid #000; border-bottom: 1px solid #000; text-align: left; }
      tbody tr:last-child td { border-bottom: 2px solid #000; }
      th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
      .table-wrap { overflow-x: auto; }
      .warnings { background: #fff4e5; border: 2px solid #d55e00; padding: 6px 12px; margin: 0.8em 0; }
      .warnings h2 { border: none; margin: 0.2em 0; color: #a04000; }
      .table-note { font-size: 0.75em; color: #555; margin: 0 0 1em; overflow-wrap: anywhere; }
      .figures { display: flex; flex-wrap: wrap; gap: 18px; }
      figure { margin: 0.6em 0; width: 504px; max-width: 100%; }
      figure svg { width: 100%; height: auto; border: 1px solid #eee; }
      figcaption { font-size: 0.8em; color: #333; margin-top: 4px; }
      </style>
      </head>
      <body>
      <h1>\(xmlEscaped(title))</h1>
      <p class="provenance">\(xmlEscaped(provenance.summaryLine))</p>

      """
    if !warnings.isEmpty {
      out += "<div class=\"warnings\" role=\"alert\">\n<h2>\(warnings.count) warning\(warnings.count > 1 ? "s" : "")</h2>\n<ul>\n"
      for w in warnings { out += "<li>\(xmlEscaped(w))</li>\n" }
      out += "</ul>\n</div>\n"
    }
    for section in sections {
      out += "<section>\n<h2>\(xmlEscaped(section.heading))</h2>\n"
      for table in section.tables { out += Self.htmlTable(table) }
      if !section.figures.isEmpty {
        out += "<div class=\"figures\">\n"
        for f in section.figures {
          out += "<figure id=\"figure-\(xmlEscaped(f.label))\">\n\(f.svg)<figcaption>\(xmlEscaped(f.caption))</figcaption>\n</figure>\n"
        }
        out += "</div>\n"
      }
      out += "</section>\n"
    }
    out += "</body>\n</html>\n"
    return out
  }

  static func htmlTable(_ t: ReportTable) -> String {
    let numeric = t.columns.indices.map { t.isNumeric(column: $0) }
    var s = "<div class=\"table-wrap\"><table id=\"table-\(xmlEscaped(t.label))\">\n<caption>\(xmlEscaped(t.title))</caption>\n<thead><tr>"
    for (c, col) in t.columns.enumerated() { s += "<th\(numeric[c] ? " class=\"num\"" : "")>\(xmlEscaped(col.header))</th>" }
    s += "</tr></thead>\n<tbody>\n"
    for r in t.rows.indices {
      s += "<tr>"
      for c in t.columns.indices {
        var text = t.displayText(row: r, column: c)
        if case .missing = t.rows[r][c] { text = "–" }
        s += "<td\(numeric[c] ? " class=\"num\"" : "")>\(xmlEscaped(text))</td>"
      }
      s += "</tr>\n"
    }
    s += "</tbody>\n</table></div>\n<p class=\"table-note\">\(xmlEscaped(t.provenance.summaryLine))</p>\n"
    return s
  }
}
