// DeltaH — entropy change of softmax policies.

import EntropyPerformanceLaw
import Foundation
import LogitDumps
import Testing
import _TestSupport

/// `law DUMP… --rewards LOG` fits R against the dumps' token-mean entropies, each read at its own
/// metadata temperature. Before, the T used was shown nowhere, and dumps at different temperatures
/// (e.g. an export that switched from T = 1 to T = 0.7) were fitted together without a word.
@Suite struct LawDumpTemperatureTests {
  /// Removed with its dumps when the suite instance is released.
  let scratch = ScratchFolder("law-temperature")
  var folder: String { scratch.url.path }

  func dump(_ name: String, step: Int, temperature: Double) throws -> String {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var w = SafetensorsWriter(metadata: ["temperature": "\(temperature)", "step": "\(step)", "lr": "1"])
    w.add("logits", (0..<24).map { Double(($0 * 7) % 5) - 2 + Double(step) / 10 }, shape: [2, 3, 4])
    w.add("token_ids", [Int64](arrayLiteral: 0, 1, 2, 3, 0, 1), shape: [2, 3])
    w.add("advantages", [1.0, 1, 1, -1, -1, -1], shape: [2, 3])
    let path = folder + "/" + name
    try w.write(to: path)
    return path
  }

  func fit(_ paths: [String]) throws -> EntropyPerformanceLaw {
    let rewards = folder + "/rewards.csv"
    try "step,reward\n1,0.1\n2,0.3\n3,0.4\n".write(toFile: rewards, atomically: true, encoding: .utf8)
    let options = EntropyPerformanceLaw.Options(bootstrapResamples: 20)
    return try EntropyPerformanceLaw.fit(.dumps(paths: paths, rewards: rewards, temperature: nil), columns: .init(), options: options)
  }

  @Test func theTemperatureIsNamedAndAChangeIsWarned() throws {
    let same = try fit([dump("a.safetensors", step: 1, temperature: 0.7), dump("b.safetensors", step: 2, temperature: 0.7), dump("c.safetensors", step: 3, temperature: 0.7)])
    #expect(same.entropyColumn == "entropy token-mean of each dump at T = 0.7")
    #expect(!same.warnings.contains { $0.contains("different temperatures") })
    let mixed = try fit([dump("d.safetensors", step: 1, temperature: 1), dump("e.safetensors", step: 2, temperature: 1), dump("f.safetensors", step: 3, temperature: 0.7)])
    #expect(mixed.entropyColumn == "entropy token-mean of each dump at T = 1.0 / 0.7")
    #expect(mixed.warnings.contains {
      $0.hasPrefix("the dumps are read at different temperatures (1.0 in \(folder)/d.safetensors, 0.7 in \(folder)/f.safetensors)")
    })
  }
}
