// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import Testing
import _TestSupport

@Suite("DumpPipeline.compare and ComparisonWithTrustRadius: one entry, one result type")
struct ComparisonPipelineTests {
  let fixtures = DumpFixtures()
  static let (b, t, v) = (2, 5, 40)

  /// Before (with a tensor outside the contract, so the summary has a warning), after = before +
  /// a small step, and a jvp dump whose metadata temperature differs (a linearised warning).
  func dumps(metadata: [String: String]?) throws -> (LogitDump, LogitDump, String) {
    let before = DumpFixtures.randomBatch(b: Self.b, t: Self.t, v: Self.v, seed: 5)
    var rng = SplitMix64(seed: 6)
    var after = before, jvp = before
    after.logits = before.logits.map { $0 + 0.05 * rng.normal() }
    jvp.logits = before.logits.map { _ in 0.05 * rng.normal() }
    let extra: (inout SafetensorsWriter) -> Void = { $0.add("prompt_ids", [Int64](repeating: 1, count: Self.b), shape: [Self.b]) }
    let a = try LogitDump(path: fixtures.write(before, name: "b.safetensors", metadata: metadata, extra: extra))
    let c = try LogitDump(path: fixtures.write(after, name: "a.safetensors", metadata: metadata))
    let j = try fixtures.write(jvp, name: "j.safetensors", temperature: 3)
    return (a, c, j)
  }

  /// The pipeline's result is the library's comparison, its trust radius and the linearised
  /// summary at the resolved T, with T's source: given (flag), metadata, or the default 1.
  @Test(arguments: [(2.0, ["temperature": "0.5"]), (nil, ["temperature": "0.5"]), (nil, ["step": "7"])] as [(Double?, [String: String])])
  func resultAndTemperatureSource(temperature: Double?, metadata: [String: String]) throws {
    let (a, c, j) = try dumps(metadata: metadata)
    let run = try DumpPipeline.compare(
      before: a, after: c, settings: ComparisonSettings(temperature: temperature, trustTolerance: 0.2, linearized: j))
    let expectedT = temperature ?? (metadata["temperature"] != nil ? 0.5 : 1)
    let expectedSource: LearningRateSource = temperature != nil ? .flag : (metadata["temperature"] != nil ? .metadata : .default)
    #expect(run.temperature == expectedT && run.temperatureSource == expectedSource)
    let direct = try CheckpointComparison.comparing(before: a, after: c, temperature: temperature)
    #expect(run.result.summary.temperature == expectedT)
    #expect(run.result.summary.meanDeltaFirstOrder.bitPattern == direct.summary.meanDeltaFirstOrder.bitPattern)
    #expect(run.result.summary.warnings == direct.summary.warnings)
    #expect(run.result.trustRadius == direct.trustRadius(tolerance: 0.2))
    let l = try LinearizedComparison(comparison: direct, before: a, jvp: LogitDump(path: j), temperature: expectedT)
    #expect(run.result.linearized?.meanDeltaLinearizedFirstOrder.bitPattern == l.summary.meanDeltaLinearizedFirstOrder.bitPattern)
    #expect(expectedSource != .default || (run.result.summary.warnings ?? []).contains { $0.contains("T = 1 by default") })
  }

  /// Regression: the summary and the linearised summary both have a `warnings` key, and the
  /// flattened JSON used to keep only the linearised one (the ignored-tensor warnings of the
  /// dumps were lost). Now the key holds both, and decoding gives them once.
  @Test func jsonKeepsEveryWarningOnceAndDecodes() throws {
    let (a, c, j) = try dumps(metadata: nil)
    let run = try DumpPipeline.compare(before: a, after: c, settings: ComparisonSettings(linearized: j))
    let summaryWarnings = try #require(run.result.summary.warnings)
    let linearWarnings = try #require(run.result.linearized?.warnings)
    #expect(summaryWarnings.contains { $0.contains("prompt_ids") })
    #expect(linearWarnings.contains { $0.contains("metadata temperature") })
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(run.result)
    let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["warnings"] as? [String] == summaryWarnings + linearWarnings)
    #expect(object["trust_tolerance"] as? Double == 0.1 && object["linearized_tokens"] as? Int == run.result.linearized?.linearizedTokens)
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let back = try decoder.decode(ComparisonWithTrustRadius.self, from: data)
    #expect(back.summary.warnings == summaryWarnings + linearWarnings)
    #expect(back.linearized?.warnings == [])
    #expect(back.trustRadius == run.result.trustRadius)
    #expect(back.linearized?.meanLogitNonlinearity == run.result.linearized?.meanLogitNonlinearity)
    let plain = try decoder.decode(ComparisonWithTrustRadius.self, from: encoder.encode(ComparisonWithTrustRadius(summary: run.result.summary, trustRadius: run.result.trustRadius)))
    #expect(plain.linearized == nil && plain.summary.warnings == summaryWarnings)
  }

  /// Merged compare partials of every shard equal the unsharded pipeline result; fewer shards
  /// report their coverage.
  @Test func mergeComparisonEqualsTheWholeComparison() throws {
    let (a, c, _) = try dumps(metadata: nil)
    let whole = try DumpPipeline.compare(before: a, after: c, settings: ComparisonSettings())
    let parts = try (0..<2).map { i in
      try DumpPipeline.compare(before: a, after: c, settings: ComparisonSettings(range: PositionTable.shardRange(index: i, of: 2, positionShape: a.positionShape)))
        .partial(shard: (i, 2))
    }
    let merged = try DumpPipeline.mergeComparison(parts, trustTolerance: 0.1)
    #expect(merged.coverage == ShardCoverage(covered: Self.b * Self.t, expected: Self.b * Self.t) && merged.coverage.isComplete)
    #expect(merged.result.summary.meanDeltaActual.bitPattern == whole.result.summary.meanDeltaActual.bitPattern)
    #expect(merged.result.trustRadius == whole.result.trustRadius)
    let half = try DumpPipeline.mergeComparison([parts[1]], trustTolerance: 0.1)
    #expect(!half.coverage.isComplete && half.coverage.description == "the partials cover 5 of 10 positions")
  }
}

@Suite("LinearizedComparison on LogitRowPass: streamed and mapped rows give identical results")
struct LinearizedRowPassTests {
  static let fixtures = "Tests/LogitDumpsTests/Fixtures"
  static let deflated = "\(fixtures)/rowpass_deflated.npz", stored = "\(fixtures)/rowpass_stored.npz"

  /// The before dump and the jvp dump each compressed (streamed) or memory-mapped: L per position
  /// is bit-identical (each row's L depends on that row alone), and both compressed is refused.
  @Test func streamedEqualsMappedInBothOrientations() throws {
    let stored = try LogitDump(path: Self.stored), streamed = try LogitDump(path: Self.deflated)
    #expect(streamed[.logits]?.isMapped == false && stored[.logits]?.isMapped == true)
    let comparison = try CheckpointComparison(before: stored, after: streamed, temperature: 0.7)
    let mapped = try LinearizedComparison(comparison: comparison, before: stored, jvp: stored, temperature: 0.7)
    let jvpStreamed = try LinearizedComparison(comparison: comparison, before: stored, jvp: streamed, temperature: 0.7)
    let beforeStreamed = try LinearizedComparison(comparison: comparison, before: streamed, jvp: stored, temperature: 0.7)
    #expect(mapped.deltaLinearizedFirstOrder.contains { $0 != 0 && $0.isFinite })
    for other in [jvpStreamed, beforeStreamed] {
      #expect(zip(other.deltaLinearizedFirstOrder, mapped.deltaLinearizedFirstOrder).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
    #expect {
      _ = try LinearizedComparison(comparison: comparison, before: streamed, jvp: streamed, temperature: 0.7)
    } throws: { ($0 as? DumpError)?.problem.contains("DEFLATE-compressed") ?? false }
  }
}
