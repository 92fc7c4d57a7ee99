// DeltaH — entropy change of softmax policies.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import _TestSupport
@testable import Reports

/// Red team of the report module: figures never print NaN, LaTeX text always compiles.
@Suite("Report red team")
struct ReportRedTeamTests {
  /// Before: a constant side (e.g. `report --compare A A`, every actual ΔH 0) drew
  /// "Pearson r = NaN" in the legend, with exit 0; the table of the same numbers shows "–".
  @Test func undefinedPearsonIsSaidInWordsNotNaN() {
    let flat = Figure.predictedVsActual(predicted: [0.1, -0.2, 0.3], actual: [0, 0, 0], caption: "c")
    #expect(!flat.svg.contains("NaN") && flat.svg.contains("Pearson r: not defined"))
    let defined = Figure.predictedVsActual(predicted: [0.1, -0.2, 0.3], actual: [0.1, -0.2, 0.31], caption: "c")
    #expect(defined.svg.contains("Pearson r = 1.000") || defined.svg.contains("Pearson r = 0.99"))
    let three = Figure.predictionsVsActual(predictions: [("a", [0.1, 0.2, 0.3]), ("b", [1, 1, 1])], actual: [0.1, 0.2, 0.3], caption: "c")
    #expect(!three.svg.contains("NaN") && three.svg.contains("r(b): not defined") && three.svg.contains("r(a) = 1.000"))
  }

  /// Before: characters outside the map, such as ≠ in the "T = 1 by default" warning of every
  /// dump without a temperature, the combining macron of "∇θH̄·Δθ" or a CJK file name, were
  /// written as they are, and pdflatex stops at them ("Unicode character ≠ (U+2260) not set up
  /// for use with LaTeX"). Now every scalar written is ASCII or one pdflatex's utf8 input reads.
  @Test func latexTextHoldsOnlyCharactersPdflatexReads() {
    #expect(LaTeX.escaped("at T ≠ 1, give it") == "at T $\\neq$ 1, give it")
    #expect(LaTeX.escaped("∇θH̄·Δθ") == "$\\nabla\\theta$\\={H}$\\cdot\\Delta\\theta$")
    #expect(LaTeX.escaped("final-step error R̂ − R") == "final-step error \\^{R} $-$ R")
    #expect(LaTeX.escaped("ρ₀ = 0.5, κ = 1, ‖∂π/∂r‖₂") == "$\\rho_{0}$ = 0.5, $\\kappa$ = 1, $\\|\\partial\\pi$/$\\partial$r$\\|_{2}$")
    #expect(LaTeX.escaped("日本.safetensors") == "\\textless{}U+65E5\\textgreater{}\\textless{}U+672C\\textgreater{}.safetensors")
    #expect(LaTeX.escaped("café e\u{301}") == "café \\'{e}")
    #expect(LaTeX.escaped("bell\u{7}") == "bell\\textless{}U+0007\\textgreater{}")
    #expect(LaTeX.escaped("a\n\nb\r\nc") == "a  b c")  // a blank line would be \par in a cell
    // A cell starting with [ would be read as the optional argument of the previous row's \\.
    #expect(LaTeX.escaped("[0.6, 0.9]") == "{[}0.6, 0.9{]}")
    let hostile = "≠∂κνζℓ←∉⊥⌊⌋₀₂ᵢ…‘’“”H̄R̂日本😀é°µ¼\u{7}\u{7F} ε_l ≥ η ΔH % & # $ _ ~ ^ \\ { } | < >"
    let out = LaTeX.escaped(hostile)
    // What pdflatex's utf8 input reads with OT1/T1 fonts: printable ASCII, Latin-1 and Latin
    // Extended-A letters, typographic quotes and the ellipsis.
    let read: (Unicode.Scalar) -> Bool = { c in
      let v = c.value
      return (0x20..<0x7F).contains(v) || ((0xC0...0x17F).contains(v) && v != 0xD7 && v != 0xF7) || [0x2018, 0x2019, 0x201C, 0x201D, 0x2026].contains(v)
    }
    let unread = out.unicodeScalars.filter { !read($0) }
    #expect(unread.isEmpty, "not read by pdflatex: \(unread.map { String($0.value, radix: 16) })")
    // Math runs are balanced: an even number of unescaped $.
    #expect(out.replacingOccurrences(of: "\\$", with: "").filter { $0 == "$" }.count % 2 == 0)
  }

  /// The table's warnings (from any module) go through the same escaping.
  @Test func latexTableWarningIsEscaped() {
    var t = ReportTable(title: "t", label: "t", columns: [.init("x")], provenance: Provenance(generator: "g"))
    t.append([.number(1)])
    t.warnings = ["T = 1 by default: if the trainer sampled at T ≠ 1, give its temperature"]
    // Comment lines (% …) keep the text as it is: TeX skips them unread.
    let body = t.latex().split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("%") }.joined(separator: "\n")
    #expect(!body.contains("≠") && body.contains("T $\\neq$ 1"))
  }

  /// Before: Markdown escaped only `\\` and `|`, so a file named `a*b*<i>.safetensors` made
  /// emphasis and an HTML tag of the caption and the provenance line.
  @Test func markdownShowsNamesLiterally() {
    var p = Provenance(generator: "g")
    p.sources = ["runs/_x_/a*b*<i>.safetensors", "step_0001.safetensors"]
    var t = ReportTable(title: "Actual vs predicted, a*b*<i>.safetensors → `c`", label: "t", columns: [.init("name"), .init("x")], provenance: p)
    t.append([.text("[link](u) _y_ A>0"), .number(1)])
    let md = t.markdown()
    #expect(md.contains("**Actual vs predicted, a\\*b\\*\\<i>.safetensors → \\`c\\`**"))
    #expect(md.contains("| \\[link\\](u) \\_y\\_ A>0 |"))
    #expect(md.contains("sources: runs/\\_x\\_/a\\*b\\*\\<i>.safetensors, step_0001.safetensors*"))
  }

  /// Before: a −0 cell was `-0` in the JSON table and `0` in every other format.
  @Test func negativeZeroIsZeroInEveryFormat() throws {
    var t = ReportTable(title: "t", label: "t", columns: [.init("x")], provenance: Provenance(generator: "g"))
    t.append([.number(-0.0)])
    #expect(!t.json().contains("-0") && t.csv().hasSuffix("\r\nx\r\n0\r\n") && t.markdown().contains("| 0 |"))
  }

  /// Before: the SVG files of `--out` had no caption and no warning (the HTML page's box and the
  /// tables' notes were the only places); now a `<desc>` carries both, and the file stays valid XML.
  @Test func figureFilesCarryCaptionAndWarnings() throws {
    var report = RunReport(title: "r", generator: "g")
    report.warnings = ["x.safetensors: T = 1 by default & <odd>"]
    let figure = Figure.predictedVsActual(predicted: [0.1, 0.2, 0.3], actual: [0.1, 0.2, 0.35], caption: "Per position (T = 1).")
    var t = ReportTable(title: "t", label: "t", columns: [.init("x")], provenance: Provenance(generator: "g"))
    t.append([.number(1)])
    report.append(.init(heading: "h", tables: [t], figures: [figure]))
    let scratch = ScratchFolder("report-svg")
    let written = try report.write(format: .csv, folder: scratch.path("out"), folderOption: "--out", html: nil)
    let svgPath = try #require(written.first { $0.hasSuffix(".svg") })
    let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
    #expect(svg.contains("<desc>Per position (T = 1). Warnings: x.safetensors: T = 1 by default &amp; &lt;odd&gt;</desc>"))
    _ = try XMLDocument(data: Data(svg.utf8))
    // The page inlines the figure as it was (its warnings are in the box at the top).
    #expect(!report.html().contains("<desc>"))
  }

  /// Before: on the log axis of the entropy histogram, the tokens with H = 0 (and any left of the
  /// first edge) were drawn in the first bar, at H ≈ its edge, with nothing saying so.
  @Test func logHistogramSaysWhatItsFirstBinHolds() throws {
    let zeros = [Double](repeating: 0, count: 50)
    let small: [Double] = (0..<900).map { 1e-5 * Double($0 % 10 + 1) }
    let large: [Double] = (1...100).map { Double($0) / 50 }
    let f = Figure.entropyHistogram(entropies: zeros + small + large, percentile80: 0.01, caption: "")
    #expect(f.svg.contains("log scale") && f.svg.contains("first bin: + 50 with H &lt; 1.00e-5 (H = 0 incl.)"))
    let positive = Figure.entropyHistogram(entropies: small + large, percentile80: 0.01, caption: "")
    #expect(positive.svg.contains("log scale") && !positive.svg.contains("first bin"))
  }
}
