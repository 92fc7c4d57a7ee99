// DeltaH — entropy change of softmax policies.

import EntropyPerformanceLaw
import Foundation
import GSLSupport
import LogitDumps
import Testing
import _TestSupport

/// `EntropyPerformanceLaw.fit(_:columns:options:)`, the one call behind `deltah law`, and the
/// lower-layer errors a `LawError` nests.
@Suite("Entropy–performance law inputs")
final class LawInputTests {
  let scratch = ScratchFolder("law-input")

  func file(_ name: String, _ text: String) throws -> String { try scratch.file(name, text) }

  static let samples = (1...3).map {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("data/sample/step_000\($0).safetensors").path
  }

  @Test func aLogFitsAsItsObservationsDo() throws {
    var lines = ["step,reward,entropy"]
    for i in 0..<12 { lines.append("\(i),\(0.6 - 0.1 * exp(2.0 - 0.1 * Double(i)) + 0.001 * Double(i % 3)),\(2.0 - 0.1 * Double(i))") }
    let path = try file("log.csv", lines.joined(separator: "\n"))
    let options = EntropyPerformanceLaw.Options(bootstrapResamples: 50, seed: 7)
    let viaInput = try EntropyPerformanceLaw.fit(.log(path: path), columns: .init(), options: options)
    let direct = try EntropyPerformanceLaw(observations: LawObservations(contentsOf: path), options: options)
    #expect(viaInput == direct)  // bit for bit: same points, same seed
  }

  @Test func dumpsCarryTheirWarningsIncludingATemperatureOverride() throws {
    let rewards = try file("rewards.csv", "step,acc\n1,0.30\n2,0.35\n3,0.38\n4,0.40\n")
    let law = try EntropyPerformanceLaw.fit(
      .dumps(paths: Self.samples, rewards: rewards, temperature: 1.5), columns: .init(performance: "acc"),
      options: .init(bootstrapResamples: 50))
    #expect(law.points.map(\.step) == [1, 2, 3] && law.points.map(\.performance) == [0.30, 0.35, 0.38])
    // The override of the dumps' metadata T = 1 reaches the law's warnings, once per dump, before
    // the fit's own warnings; the η-default warning (no polarity in the law) does not.
    let overrides = law.warnings.filter { $0.contains("temperature 1.5 given on the command line") }
    #expect(overrides.count == 3 && Self.samples.allSatisfy { p in overrides.contains { $0.hasPrefix("\(p): ") } })
    #expect(!law.warnings.contains { $0.contains("η = 1 by default") })
    #expect(law.warnings.last?.contains("bootstrap resamples") == true || law.warnings.last?.contains("steps are fitted") == true)
    // At the metadata temperature there is no override.
    let plain = try EntropyPerformanceLaw.fit(
      .dumps(paths: Self.samples, rewards: rewards, temperature: nil), columns: .init(performance: "acc"),
      options: .init(bootstrapResamples: 50))
    #expect(!plain.warnings.contains { $0.contains("given on the command line") })
  }

  @Test func lowerLayerErrorsAreNestedWithTheirWording() throws {
    let missing = scratch.path("nope.csv")
    let e = #expect(throws: LawError.self) { try EntropyPerformanceLaw.fit(.log(path: missing), columns: .init(), options: .init()) }
    guard case .dump(let dumpError)? = e?.underlying else {
      Issue.record("a missing log should nest its DumpError, got \(String(describing: e))")
      return
    }
    #expect(e?.description == dumpError.description && dumpError.file == missing)
    let rewards = try file("r.csv", "step,acc\n1,0.3\n")
    let d = #expect(throws: LawError.self) {
      try EntropyPerformanceLaw.fit(.dumps(paths: [missing], rewards: rewards, temperature: nil), columns: .init(performance: "acc"), options: .init())
    }
    if case .dump(let inner)? = d?.underlying { #expect(d?.description == inner.description) } else { Issue.record("no nested DumpError") }
    // Constant entropies: GSL's error nested, the one-line wording kept.
    let flat = LawObservations(
      steps: nil, entropies: [1, 1, 1, 1], performances: [0.1, 0.2, 0.3, 0.4], source: "flat", format: "test",
      entropyColumn: "entropy", performanceColumn: "reward", stepColumn: nil)
    let f = #expect(throws: LawError.self) { try EntropyPerformanceLaw(observations: flat) }
    guard case .fit(let gslError)? = f?.underlying else {
      Issue.record("a failed fit should nest its GSLError")
      return
    }
    #expect(f?.problem == "cannot fit the law: \(gslError.message)")
  }

  @Test func tabularRunErrorsNameNoLine() throws {
    // Step records of `deltah bandit --json` are not lines of the file: no line number.
    let run = try file("run.json", #"{"steps": [{"step": 0, "entropy": 1, "reward": "x"}], "summary": {}}"#)
    let e = #expect(throws: LawError.self) { try LawObservations(contentsOf: run) }
    #expect(e == LawError(source: run, problem: "column 'reward': 'x' is not a number"))
  }
}
