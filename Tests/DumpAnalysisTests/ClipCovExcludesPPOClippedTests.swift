// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import LogitDumps
import RealModule
import Testing
import _TestSupport

/// `analyze --clip-low/--clip-high [--dual-clip c]` with Clip-Cov: the candidates leave out the
/// PPO-clipped tokens, as verl's `compute_policy_loss_clip_cov` does (`cov_all[clip_by_origin] =
/// −inf`, clip_by_origin = −A·clip(r, 1 − ε_l, 1 + ε_h) > −A·r) and as docs/theory.md#clip-cov and
/// the trainer state, and only those: that loss has no dual clip, so a token with A < 0 and r > c
/// stays a candidate (the trainer refuses a dual clip with Clip-Cov for that reason).
/// Before: the clip settings did not reach the selection, so a clipped token (gradient already 0)
/// could be picked; then the selection took the clipping section's rule with the dual clip and
/// dropped the dual-clipped tokens.
@Suite("analyze: Clip-Cov candidates exclude PPO-clipped tokens, not dual-clipped ones")
struct ClipCovExcludesPPOClippedTests {
  let fixtures = DumpFixtures()

  /// A 6 × 8 batch whose old log-probabilities are 0.4 nats off on average (ratios in [0.67,
  /// 1.49]: many leave [0.9, 1.1], many exceed c = 1.2), analysed with Clip-Cov's band (0, 100),
  /// ratio 1 (every candidate picked) and ε_l = ε_h = 0.1 with the dual clip `dual`.
  func analysed(dual: Double?, name: String) throws -> (table: PositionTable, analysis: BatchAnalysis, ratio: [Double]) {
    let batch = DumpFixtures.randomBatch(b: 6, t: 8, v: 16, seed: 57)
    var rng = SplitMix64(seed: 9)
    let n = batch.b * batch.t
    let plain = try PositionTable(dump: LogitDump(path: fixtures.write(batch, name: "\(name)_plain.safetensors")), temperature: 1)
    let old = (0..<n).map { plain.logProbability![$0] + 0.4 * (Double.random(in: 0..<1, using: &rng) * 2 - 1) }
    let path = try fixtures.write(batch, name: "\(name).safetensors") { w in
      w.add("old_logprobs", old, shape: [batch.b, batch.t])
    }
    var options = AnalysisOptions()
    options.clipCovBounds = .init(lower: 0, upper: 100)
    options.clipCovRatio = 1
    options.clipping = ClipSettings(low: 0.1, high: 0.1, dual: dual)
    let table = try PositionTable(dump: LogitDump(path: path), temperature: 1)
    let analysis = try BatchAnalysis(table: table, file: path, step: nil, options: options)
    return (table, analysis, (0..<n).map { Double.exp(table.logProbability![$0] - old[$0]) })
  }

  /// The candidates expected: valid, in the band, not clipped by verl's clip_by_origin.
  static func expectedCandidates(_ table: PositionTable, _ analysis: BatchAnalysis, _ ratio: [Double]) -> [Int] {
    let rule = PPOClipWeighting(clipLow: 0.1, clipHigh: 0.1)  // clip_by_origin: no dual clip
    let adv = table.advantages!, cov = analysis.centredCovariance!
    return ratio.indices.filter {
      table.valid[$0] && cov[$0] > 0 && cov[$0] < 100 && !rule.isClipped(advantage: adv[$0], ratio: ratio[$0])
    }
  }

  @Test func clippedTokensAreNeverCandidates() throws {
    let (table, analysis, ratio) = try analysed(dual: nil, name: "clipcov_ppo")
    let rule = PPOClipWeighting(clipLow: 0.1, clipHigh: 0.1)
    let adv = table.advantages!, cov = analysis.centredCovariance!
    let clipped = ratio.indices.filter { table.valid[$0] && rule.isClipped(advantage: adv[$0], ratio: ratio[$0]) }
    #expect(!clipped.filter { cov[$0] > 0 }.isEmpty)  // the check has clipped tokens to leave out
    let expected = Self.expectedCandidates(table, analysis, ratio)
    #expect(analysis.summary.clipCovCandidates == expected.count)
    // Ratio 1 picks every candidate: exactly the unclipped tokens in the band.
    #expect(analysis.summary.clipCovSelected == expected.map { table.positions[$0] })
  }

  @Test func dualClippedTokensStayCandidates() throws {
    let (table, analysis, ratio) = try analysed(dual: 1.2, name: "clipcov_dual")
    let adv = table.advantages!, cov = analysis.centredCovariance!
    let dualOnly = ratio.indices.filter { table.valid[$0] && adv[$0] < 0 && ratio[$0] > 1.2 && cov[$0] > 0 && cov[$0] < 100 }
    #expect(!dualOnly.isEmpty)  // the check has dual-clipped tokens in the band
    let expected = Self.expectedCandidates(table, analysis, ratio)
    #expect(analysis.summary.clipCovCandidates == expected.count)
    // Ratio 1 picks every candidate, the dual-clipped ones included.
    #expect(analysis.summary.clipCovSelected == expected.map { table.positions[$0] })
    // The clipping section still counts them (it is verl's compute_policy_loss with clip_ratio_c).
    #expect(analysis.summary.clipping?.countDual ?? 0 > 0)
  }
}
