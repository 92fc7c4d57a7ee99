// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyDynamics
import Foundation
import LogitDumps
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("Covariance, KL-Cov, Clip-Cov, STEER on dumps")
struct BatchSelectionTests {
  let fixtures = DumpFixtures()

  /// docs/theory.md#token-covariance: the scalar-only toy batch (log-probs and advantages exported, no logits).
  func toyBatch(mask: [UInt8]? = nil) throws -> (LogitDump, PositionTable) {
    var w = SafetensorsWriter()
    w.add("logprobs", [-0.05, -0.1, -2.3, -0.01, -1.2, -0.7, -3.0, -0.2, -0.02, -0.5], shape: [10])
    w.add("advantages", [1.0, 1, 1, -1, -1, 1, -1, 1, -1, 1], shape: [10])
    w.add("token_ids", [Int64](repeating: 0, count: 10), shape: [10])
    if let mask { w.add("mask", mask, shape: [10]) }
    let p = fixtures.path("toy\(mask == nil ? "" : "-masked").safetensors")
    try w.write(to: p)
    let dump = try LogitDump(path: p)
    return (dump, try PositionTable(dump: dump, temperature: 1))
  }

  @Test func specToyBatch() throws {
    let (dump, table) = try toyBatch()
    var options = AnalysisOptions()
    options.klCovRatio = 0.2
    options.clipCovBounds = .init(lower: 0.1, upper: 0.5)
    options.clipCovRatio = 0.2
    let a = try BatchAnalysis(table: table, file: dump.path, step: nil, options: options)
    let expected = [0.6064, 0.5664, -1.1936, -0.9576, 0.4704, 0.0864, 2.6304, 0.4864, -0.9456, 0.2464]
    #expect(maxAbsoluteDifference(a.centredCovariance!, expected) < 1e-12)
    #expect(a.summary.klCovSelected == [0, 6])
    #expect(a.summary.clipCovCandidates == 3)
    let picked = try #require(a.summary.clipCovSelected)
    #expect(picked.count == 2 && Set(picked).isSubset(of: [4, 7, 9]))
    // Same seed, same pick; the pick is uniform over the candidates across seeds.
    let again = try BatchAnalysis(table: table, file: dump.path, step: nil, options: options)
    #expect(again.summary.clipCovSelected == picked)
    var seen = Set<[Int]>()
    for seed in 1...60 {
      options.seed = UInt64(seed)
      seen.insert(try BatchAnalysis(table: table, file: dump.path, step: nil, options: options).summary.clipCovSelected!)
    }
    #expect(seen == [[4, 7], [4, 9], [7, 9]])
    #expect(a.summary.entropySource == "none")
    #expect(a.summary.warnings.contains { $0.contains("kl-cov-ratio 0.2") })
  }

  @Test func klCovCountFollowsVerl() throws {
    let (dump, table) = try toyBatch()
    for (ratio, count) in [(0.0002, 1), (0.1, 1), (0.3, 3), (0.35, 3), (1.0, 10)] {
      var options = AnalysisOptions()
      options.klCovRatio = ratio
      let s = try BatchAnalysis(table: table, file: dump.path, step: nil, options: options).summary
      #expect(s.klCovSelected?.count == count, "ratio \(ratio)")
    }
  }

  @Test func maskedTokensAreExcludedFromCentring() throws {
    let (dump, table) = try toyBatch(mask: [1, 1, 1, 1, 1, 1, 0, 1, 1, 1])
    let a = try BatchAnalysis(table: table, file: dump.path, step: nil, options: AnalysisOptions())
    let logp = [-0.05, -0.1, -2.3, -0.01, -1.2, -0.7, -0.2, -0.02, -0.5]
    let adv = [1.0, 1, 1, -1, -1, 1, 1, -1, 1]
    let lm = logp.reduce(0, +) / 9, am = adv.reduce(0, +) / 9
    #expect(abs(a.centredCovariance![0] - (logp[0] - lm) * (adv[0] - am)) < 1e-15)
    #expect(a.centredCovariance![6].isNaN)
    #expect(a.summary.tokens == 9)
    #expect(!a.summary.klCovSelected!.contains(6))
  }

  /// Per micro-batch: each micro-batch is centred on its own (verl); checked with TokenCovariance on
  /// the subsets.
  @Test func microBatches() throws {
    let batch = DumpFixtures.randomBatch(b: 6, t: 4, v: 50, seed: 8)
    let dump = try LogitDump(path: fixtures.write(batch, name: "micro.safetensors"))
    let table = try PositionTable(dump: dump, temperature: 1)
    var options = AnalysisOptions()
    options.microBatch = 2
    options.klCovRatio = 0.25
    let s = try BatchAnalysis(table: table, file: dump.path, step: nil, options: options).summary
    let c = try #require(s.covariance)
    #expect(c.microBatch?.count == 3)
    for m in 0..<3 {
      let idx = Array((m * 8)..<((m + 1) * 8))
      let cov = try TokenCovariance(
        logProbabilities: idx.map { table.logProbability![$0] }, advantages: idx.map { batch.advantages[$0] },
        mask: idx.map { batch.mask[$0] == 1 })
      #expect(abs(c.microBatch![m] - cov.mean) < 1e-15)
    }
    // Per-micro-batch KL-Cov selects max(1, ⌊0.25·N_m⌋) in each micro-batch.
    #expect(s.klCovSelectedPerMicroBatch?.count == 1 + 2 + 1)  // valid tokens per micro-batch: 7, 8, 7
  }

  /// STEER code-form values of docs/theory.md#steer (tokens (A, π_θ, π_old, H)), linear weights [0.8, 1.2].
  @Test func steerOmega() throws {
    var w = SafetensorsWriter()
    w.add("logprobs", [0.6, 0.6, 0.05].map { log($0) }, shape: [3])
    w.add("old_logprobs", [0.5, 0.5, 0.05].map { log($0) }, shape: [3])
    w.add("advantages", [1.0, -1, 1], shape: [3])
    w.add("entropy", [1.0, 1, 1], shape: [3])
    w.add("token_ids", [Int64](repeating: 0, count: 3), shape: [3])
    let p = fixtures.path("steer.safetensors")
    try w.write(to: p)
    let dump = try LogitDump(path: p)
    let table = try PositionTable(dump: dump, temperature: 1)
    let a = try BatchAnalysis(table: table, file: p, step: nil, options: AnalysisOptions())
    #expect(maxAbsoluteDifference(a.steerWeights!, [1.2, 1.2, 0.8]) < 1e-12)
    let st = try #require(a.summary.steer)
    #expect(abs(st.omegaAbsMin - 0.2348037006) < 1e-9 && abs(st.omegaAbsMax - 1.8959456599) < 1e-9)
    #expect(st.usedOldLogprobs)
  }
}
