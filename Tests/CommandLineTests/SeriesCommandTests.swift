// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah series: per-dump summaries into the step series")
struct SeriesCommandTests {
  /// Summaries written one dump at a time and given out of order assemble into exactly what
  /// `analyze` prints for the three dumps together (byte for byte: order by step, series
  /// warnings, the covariance / next-ΔH pairing).
  @Test func equalsAnalyzeOfSeveralDumps() throws {
    let folder = NSTemporaryDirectory() + "deltah-series-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var files: [String] = []
    for step in [3, 1, 2] {
      let r = try runDeltaH(["analyze", "\(AnalyzeCommandTests.sample)/step_000\(step).safetensors", "--json"])
      #expect(r.status == 0, "\(r.standardError)")
      let file = "\(folder)/s\(step).json"
      try r.standardOutput.write(toFile: file, atomically: true, encoding: .utf8)
      files.append(file)
    }
    let series = try runDeltaH(["series"] + files + ["--json"])
    #expect(series.status == 0, "\(series.standardError)")
    let whole = try runDeltaH(["analyze"] + (1...3).map { "\(AnalyzeCommandTests.sample)/step_000\($0).safetensors" } + ["--json"])
    #expect(whole.status == 0)
    #expect(series.standardOutput == whole.standardOutput)
  }

  @Test func refusesWhatIsNotASummary() throws {
    let file = NSTemporaryDirectory() + "deltah-series-\(UUID().uuidString).json"
    try "{\"steps\": []}".write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let r = try runDeltaH(["series", file, "--json"])
    #expect(r.status != 0)
    #expect(r.standardError.contains(file))
    #expect(!r.standardError.trimmingCharacters(in: .whitespacesAndNewlines).contains("\n"))
  }
}
