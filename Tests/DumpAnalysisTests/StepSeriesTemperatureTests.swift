// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Testing

/// A series whose dumps are read at different temperatures: the token-mean ΔH to the next step
/// then compares entropies of different distributions (softmax(z/1) vs softmax(z/2) of the same
/// logits differ by nats with no training at all). Before, `deltah series a.json b.json` with b
/// analysed at `--temperature 2` printed "ΔH to next 1.994" with no series warning, and
/// `deltah analyze` of dumps whose metadata temperatures differ did the same.
@Suite struct StepSeriesTemperatureTests {
  func entry(_ path: String, step: Int, temperature: Double?) -> StepSeriesCheck.Entry {
    .init(path: path, step: step, positionShape: [2, 3], vocabularySize: 5, temperature: temperature)
  }

  @Test func aTemperatureChangeBetweenConsecutiveStepsIsWarned() {
    let check = StepSeriesCheck([entry("c", step: 3, temperature: 1), entry("a", step: 1, temperature: 1), entry("b", step: 2, temperature: 2)])
    #expect(check.order == [1, 2, 0])
    #expect(check.warnings == [
      "temperature changes from 1.0 (a) to 2.0 (b): the ΔH to the next step compares entropies of softmax(z/T) at different T",
      "temperature changes from 2.0 (b) to 1.0 (c): the ΔH to the next step compares entropies of softmax(z/T) at different T",
    ])
  }

  @Test func oneTemperatureOrAnUnknownOneIsNotWarned() {
    #expect(StepSeriesCheck([entry("a", step: 1, temperature: 0.7), entry("b", step: 2, temperature: 0.7)]).warnings.isEmpty)
    #expect(StepSeriesCheck([entry("a", step: 1, temperature: nil), entry("b", step: 2, temperature: 2)]).warnings.isEmpty)
  }
}
