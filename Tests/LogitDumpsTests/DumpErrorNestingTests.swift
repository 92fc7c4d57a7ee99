// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

/// Issue 12: an error of another layer is nested in the DumpError that reports it (kept as
/// thrown), not flattened into a string; the one-line message is unchanged.
@Suite struct DumpErrorNestingTests {
  let folder = TemporaryFolder()

  /// Before: the header's JSON syntax error survived only as text.
  @Test func headerSyntaxErrorIsNested() throws {
    let path = folder.write("j.safetensors", safetensors(header: "{\"x\": {\"dtype\": \"F32\",}", data: []))
    do {
      _ = try TensorArchive(path: path)
      Issue.record("a malformed header was accepted")
    } catch {
      let nested = try #require(error.underlying as? _JSONError)
      #expect(error.problem == "header is not valid JSON: \(nested.description)")
      #expect(error.description.hasPrefix(path + ": header is not valid JSON: invalid JSON at byte "))
    }
  }

  /// The nesting initialiser keeps the error and prefixes its description; equality and hashing
  /// look at file, tensor and problem only.
  @Test func nestingKeepsTheErrorAndTheMessage() {
    struct Inner: Error, CustomStringConvertible { var description: String { "ratio 2 is outside (0, 1]" } }
    let e = DumpError(file: "run.safetensors", tensor: "logits", context: "KL-Cov: ", nesting: Inner())
    #expect(e.description == "run.safetensors: tensor 'logits': KL-Cov: ratio 2 is outside (0, 1]")
    #expect(e.underlying is Inner)
    let plain = DumpError(file: "run.safetensors", tensor: "logits", problem: "KL-Cov: ratio 2 is outside (0, 1]")
    #expect(e == plain)
    #expect(e.hashValue == plain.hashValue)
  }
}

extension DumpErrorNestingTests {
  /// Before: the .npy header's Python-literal syntax error survived only as text.
  @Test func npyHeaderSyntaxErrorIsNested() throws {
    let path = folder.write("bad.npy", npy(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,", data: [UInt8](repeating: 0, count: 8)))
    do {
      _ = try TensorArchive(path: path)
      Issue.record("a malformed .npy header was accepted")
    } catch {
      #expect(error.problem.hasPrefix("header is not a valid Python dict literal (byte "), "\(error)")
      #expect(error.underlying is _PythonLiteralError)
    }
  }
}
