// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import LogitDumps
import RealModule
import Testing
import _TestSupport

/// `analyze --clip-low/--clip-high --dual-clip c` with Clip-Cov: the candidates leave out only the
/// tokens verl's `compute_policy_loss_clip_cov` leaves out, clip_by_origin = −A·clip(r, 1 − ε_l, 1 + ε_h) > −A·r
/// (docs/theory.md#clip-cov). Its loss has no dual clip, so a token with A < 0 and r > c stays a
/// candidate; the trainer refuses a dual clip with Clip-Cov for that reason. Before, the dump's
/// selection took the clipping section's rule with the dual clip and dropped those tokens.
@Suite("analyze: Clip-Cov candidates ignore the dual clip")
struct ClipCovIgnoresDualClipTests {
  let fixtures = DumpFixtures()

  @Test func dualClippedTokensStayCandidates() throws {
    let batch = DumpFixtures.randomBatch(b: 6, t: 8, v: 16, seed: 57)
    var rng = SplitMix64(seed: 9)
    let n = batch.b * batch.t
    let plain = try PositionTable(dump: LogitDump(path: fixtures.write(batch, name: "clipcov_dual_plain.safetensors")), temperature: 1)
    // Old log-probabilities 0.4 nats off on average: ratios in [0.67, 1.49], many beyond c = 1.2.
    let old = (0..<n).map { plain.logProbability![$0] + 0.4 * (Double.random(in: 0..<1, using: &rng) * 2 - 1) }
    let path = try fixtures.write(batch, name: "clipcov_dual.safetensors") { w in
      w.add("old_logprobs", old, shape: [batch.b, batch.t])
    }
    var options = AnalysisOptions()
    options.clipCovBounds = .init(lower: 0, upper: 100)
    options.clipCovRatio = 1
    options.clipping = ClipSettings(low: 0.1, high: 0.1, dual: 1.2)
    let table = try PositionTable(dump: LogitDump(path: path), temperature: 1)
    let analysis = try BatchAnalysis(table: table, file: path, step: nil, options: options)

    let logp = table.logProbability!, adv = table.advantages!
    let cov = analysis.centredCovariance!
    let ratio = (0..<n).map { Double.exp(logp[$0] - old[$0]) }
    let verlClipped = PPOClipWeighting(clipLow: 0.1, clipHigh: 0.1)  // clip_by_origin: no dual clip
    let dualOnly = (0..<n).filter { table.valid[$0] && adv[$0] < 0 && ratio[$0] > 1.2 && cov[$0] > 0 && cov[$0] < 100 }
    #expect(!dualOnly.isEmpty)  // the check has dual-clipped tokens in the band
    let expected = (0..<n).filter {
      table.valid[$0] && cov[$0] > 0 && cov[$0] < 100 && !verlClipped.isClipped(advantage: adv[$0], ratio: ratio[$0])
    }
    #expect(analysis.summary.clipCovCandidates == expected.count)
    // Ratio 1 picks every candidate, the dual-clipped ones included.
    #expect(analysis.summary.clipCovSelected == expected.map { table.positions[$0] })
    // The clipping section still counts them (it is verl's compute_policy_loss with clip_ratio_c).
    #expect(analysis.summary.clipping?.countDual ?? 0 > 0)
  }
}
