// DeltaH — entropy change of softmax policies.

import Testing
@testable import Reports

/// The text primitives that replaced Foundation's `String(format:)` and
/// `replacingOccurrences(of:with:)` in the report writers.
@Suite("Report text primitives")
struct TextPrimitivesTests {
  /// Expected strings are C99 printf semantics, worked by hand.
  @Test func printfFollowsC() {
    #expect(NumberFormatting.printf("%.3g", 0.012345) == "0.0123")
    #expect(NumberFormatting.printf("%#.4g", 0.5) == "0.5000")
    #expect(NumberFormatting.printf("%.2e", 12345.678) == "1.23e+04")
    #expect(NumberFormatting.printf("%.1f", -2.25) == "-2.2")  // −2.25 is exact: ties to even
    // Longer than the 64-byte first buffer: the retry path.
    #expect(NumberFormatting.printf("%.70f", 1) == "1." + String(repeating: "0", count: 70))
  }

  /// Matching is on Unicode scalars: "\r" and "\n" inside a "\r\n" break (one Character) are
  /// found, as Foundation found them, where `String.replacing(_:with:)` would find neither.
  @Test func scalarReplacementSplitsLineBreaks() {
    let crlf = "a\r\nb"
    #expect(crlf.replacingScalars("\r", with: " ").replacingScalars("\n", with: " ") == "a  b")
    #expect(crlf.replacing("\r", with: " ") == crlf)  // why the helper exists
    #expect("x|y|".replacingScalars("|", with: "\\|") == "x\\|y\\|")
    #expect("aaa".replacingScalars("aa", with: "b") == "ba")  // left to right, no overlaps
    #expect("abc".replacingScalars("", with: "z") == "abc")
  }

  /// A CSV comment line keeps one line: a CR LF inside a setting becomes two spaces.
  @Test func csvCommentsFlattenCRLF() {
    var p = Provenance(generator: "g", command: nil)
    p.set("note", "first\r\nsecond")
    let t = ReportTable(title: "t", label: "l", columns: [.init("x")], provenance: p)
    #expect(t.csv().contains("# note: first  second\r\n"))
  }
}
