// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// The commands refuse outputs that are inputs or special files, and fail on a full standard
/// output (issue 10, items 1, 2 and 4). The CLI-level hostile suite with signals, truncation and
/// memory limits is `python/tests/test_hostile_files.py`.
@Suite("deltah never replaces inputs or special files")
struct SafeOutputCommandTests {
  static let sample = AnalyzeCommandTests.sample

  /// A scratch folder with a copy of the first two sample dumps.
  final class Scratch {
    let path = NSTemporaryDirectory() + "deltah-safe-\(UUID().uuidString)"
    init() throws {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      for n in 1...2 {
        try FileManager.default.copyItem(
          atPath: "\(SafeOutputCommandTests.sample)/step_000\(n).safetensors", toPath: "\(path)/step_000\(n).safetensors")
      }
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func data(_ name: String) -> Data? { FileManager.default.contents(atPath: path + "/" + name) }
    var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
  }

  @Test(arguments: [
    ["analyze", "{a}", "--per-token", "{a}"],
    ["analyze", "{a}", "--shard", "0/2", "--partial", "{a}"],
    ["compare", "{a}", "{b}", "--per-token", "{b}"],
    ["report", "{a}", "--html", "{a}"],
  ])
  func anOutputOntoAnInputIsRefused(_ template: [String]) throws {
    let s = try Scratch()
    let before = (s.data("step_0001.safetensors"), s.data("step_0002.safetensors"))
    let args = template.map {
      $0.replacingOccurrences(of: "{a}", with: s.path + "/step_0001.safetensors")
        .replacingOccurrences(of: "{b}", with: s.path + "/step_0002.safetensors")
    }
    let r = try runDeltaH(args)
    #expect(r.status == 1)
    #expect(r.standardError.contains("is an input of this command"), "\(r.standardError)")
    #expect(s.data("step_0001.safetensors") == before.0 && s.data("step_0002.safetensors") == before.1)
    #expect(!s.entries.contains { $0.contains(".tmp-") })
  }

  @Test func aFullStandardOutputIsAnError() throws {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [executable, executable.deletingLastPathComponent()].map { $0.appendingPathComponent("deltah").path }
    let binary = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) })
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["analyze", "\(Self.sample)/step_0001.safetensors", "--json"]
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
    let err = Pipe()
    process.standardError = err
    try process.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 1)
    #expect(message.contains("writing standard output failed") && message.contains("No space left"), "\(message)")
  }
}
