// DeltaH — entropy change of softmax policies.

import Testing
import _NumericsSupport

/// The one whitespace trimming the dump metadata, the law's CSV cells, the report's JSON tables
/// and the command-line parsers share (four private copies before, one of which kept newlines).
@Suite struct TrimmingTests {
  @Test(arguments: [
    (" 0.5 ", "0.5"), ("\t1e-3\r\n", "1e-3"), ("", ""), ("   ", ""), ("a b", "a b"), ("\u{00A0}x\u{2003}", "x"),
  ])
  func trimsLeadingAndTrailingWhitespaceOnly(text: String, trimmed: String) {
    #expect(String(text.trimmingWhitespace()) == trimmed)
    #expect(String(text[...].trimmingWhitespace()) == trimmed)
  }
}
