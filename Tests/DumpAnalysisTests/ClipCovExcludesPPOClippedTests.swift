// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import LogitDumps
import RealModule
import Testing
import _TestSupport

/// `analyze --clip-low/--clip-high` with Clip-Cov: the candidates leave out the PPO-clipped tokens,
/// as verl's `compute_policy_loss_clip_cov` does (`cov_all[clip_by_origin] = −inf`) and as
/// docs/theory.md#clip-cov and the trainer state. Before, the clip settings did not reach the
/// selection, and a clipped token (gradient already 0) could be picked.
@Suite("analyze: Clip-Cov candidates exclude PPO-clipped tokens")
struct ClipCovExcludesPPOClippedTests {
  let fixtures = DumpFixtures()

  @Test func clippedTokensAreNeverCandidates() throws {
    let batch = DumpFixtures.randomBatch(b: 6, t: 8, v: 16, seed: 57)
    var rng = SplitMix64(seed: 9)
    // Old log-probabilities 0.4 nats off on average: many ratios leave [0.9, 1.1].
    let n = batch.b * batch.t
    let plain = try PositionTable(dump: LogitDump(path: fixtures.write(batch, name: "clipcov_ppo_plain.safetensors")), temperature: 1)
    let old = (0..<n).map { plain.logProbability![$0] + 0.4 * (Double.random(in: 0..<1, using: &rng) * 2 - 1) }
    let path = try fixtures.write(batch, name: "clipcov_ppo.safetensors") { w in
      w.add("old_logprobs", old, shape: [batch.b, batch.t])
    }
    var options = AnalysisOptions()
    options.clipCovBounds = .init(lower: 0, upper: 100)
    options.clipCovRatio = 1
    options.clipping = ClipSettings(low: 0.1, high: 0.1, dual: nil)
    let table = try PositionTable(dump: LogitDump(path: path), temperature: 1)
    let analysis = try BatchAnalysis(table: table, file: path, step: nil, options: options)

    let rule = PPOClipWeighting(clipLow: 0.1, clipHigh: 0.1)
    let logp = table.logProbability!, adv = table.advantages!
    let cov = analysis.centredCovariance!
    let clipped = (0..<n).filter { table.valid[$0] && rule.isClipped(advantage: adv[$0], ratio: Double.exp(logp[$0] - old[$0])) }
    let expected = (0..<n).filter { table.valid[$0] && cov[$0] > 0 && cov[$0] < 100 && !clipped.contains($0) }
    #expect(!clipped.filter { cov[$0] > 0 }.isEmpty)  // the check has clipped tokens to leave out
    #expect(analysis.summary.clipCovCandidates == expected.count)
    // Ratio 1 picks every candidate: exactly the unclipped tokens in the band.
    #expect(analysis.summary.clipCovSelected == expected.map { table.positions[$0] })
  }
}
