// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import Testing

/// T divides the logits; a dump without `logits` (logged `logprobs` and `entropy` only) is read as
/// logged, so `--temperature` changes no number of it. Before, `deltah analyze LOGGED.safetensors
/// --temperature 2` printed the same numbers as without the flag, reported them as
/// "temperature 2 (flag)", and warned only "temperature 2.0 given on the command line; the
/// dump's metadata says 1.0", as if the numbers were those at T = 2.
@Suite struct TemperatureWithoutLogitsTests {
  let fixtures = DumpFixtures()

  func loggedDump() throws -> LogitDump {
    var w = SafetensorsWriter(metadata: ["temperature": "1", "step": "3", "lr": "0.5"])
    w.add("token_ids", [Int64](arrayLiteral: 1, 2, 3, 0, 1, 2), shape: [2, 3])
    w.add("advantages", [1.0, 1, 1, -1, -1, -1], shape: [2, 3])
    w.add("logprobs", [-0.1, -1.5, -0.7, -2.0, -0.3, -0.9], shape: [2, 3])
    w.add("entropy", [0.4, 1.9, 1.1, 2.2, 0.6, 1.3], shape: [2, 3])
    let p = fixtures.path("logged.safetensors")
    try w.write(to: p)
    return try LogitDump(path: p)
  }

  @Test func aTemperatureGivenForADumpWithoutLogitsIsWarnedAsWithoutEffect() throws {
    let dump = try loggedDump()
    let plain = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings()).summary
    let hot = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(temperature: 2)).summary
    #expect(plain.entropyTokenMean == hot.entropyTokenMean && plain.covariance?.global == hot.covariance?.global)
    #expect(!plain.warnings.contains { $0.hasPrefix("temperature") })
    #expect(hot.warnings.contains(
      "temperature 2.0 given on the command line has no effect: the dump has no 'logits', and its logged log-probabilities and entropies are used as logged (at the trainer's temperature)"))
    #expect(!hot.warnings.contains { $0.contains("the dump's metadata says") })
    let whatIfError = #expect(throws: DumpError.self) {
      _ = try DumpPipeline.whatIf(dump.path, settings: DumpAnalysisSettings(temperature: 2), whatIf: WhatIfOptions())
    }
    #expect(whatIfError?.description.contains("whatif needs the per-token polarity") == true)
  }
}
