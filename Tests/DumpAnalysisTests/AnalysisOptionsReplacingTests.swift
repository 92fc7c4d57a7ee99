// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Testing

/// ``AnalysisOptions/replacing(learningRate:klCovRatio:clipCovBounds:clipCovRatio:microBatch:seed:)``:
/// what `analyze` and `merge` apply over the defaults or over the options recorded in partials.
@Suite("AnalysisOptions.replacing keeps what is not given")
struct AnalysisOptionsReplacingTests {
  @Test func nothingGivenKeepsEverything() {
    var recorded = AnalysisOptions()
    recorded.learningRate = 0.25
    recorded.learningRateSource = .metadata
    recorded.klCovRatio = 0.01
    recorded.microBatch = 3
    #expect(recorded.replacing() == recorded)
  }

  @Test func eachGivenSettingReplacesOnlyItself() {
    let base = AnalysisOptions()
    let o = base.replacing(
      learningRate: 0.5, klCovRatio: 0.1, clipCovBounds: .init(lower: 0.5, upper: 2), clipCovRatio: 0.2, microBatch: 4, seed: 9)
    #expect(o.learningRate == 0.5 && o.learningRateSource == .flag)
    #expect(o.klCovRatio == 0.1 && o.clipCovRatio == 0.2 && o.microBatch == 4 && o.seed == 9)
    #expect(o.clipCovBounds == .init(lower: 0.5, upper: 2))
    #expect(o.steerWeightRange == base.steerWeightRange && o.clipping == nil)
    let seedOnly = base.replacing(seed: 2)
    #expect(seedOnly.learningRateSource == .default && seedOnly.klCovRatio == base.klCovRatio && seedOnly.seed == 2)
  }
}
