// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import Testing
import _TestSupport

/// Issue 12: DumpSummary spells its JSON keys in explicit CodingKeys, so a plain decoder (no key
/// strategy) reads what `--json` writes; the library's warnings name no CLI flag.
@Suite("DumpSummary keys, step series, flag-free library text")
struct DumpSummaryKeysTests {
  let fixtures = DumpFixtures()

  func analysis(lr: Double? = nil) throws -> BatchAnalysis {
    let path = try fixtures.write(DumpFixtures.randomBatch(b: 3, t: 4, v: 16, seed: 12), name: "keys-\(lr ?? 0).safetensors") {
      $0.add("old_logprobs", (0..<12).map { -1.0 - Double($0) / 10 }, shape: [3, 4])
    }
    var options = AnalysisOptions()
    options.microBatch = 1
    options.clipping = ClipSettings(low: 0.2, high: 0.28)
    return try DumpPipeline.analyze(LogitDump(path: path), settings: DumpAnalysisSettings(learningRate: lr, options: options))
  }

  /// Before: the synthesized keys were camelCase, so `report` and `series` needed
  /// `.convertFromSnakeCase`; a plain encoder wrote `entropyTokenMean`.
  @Test func plainEncoderWritesSnakeCaseKeysAndPlainDecoderReadsThem() throws {
    let summary = try analysis().summary
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(summary)
    let text = String(decoding: data, as: UTF8.self)
    for key in ["entropy_token_mean", "learning_rate_source", "share_below001", "log_probability_mean", "kl_cov_selected_per_micro_batch", "polarity_removed", "ratio_percentiles", "zero_advantage_variance_share", "tensors_read"] {
      #expect(text.contains("\"\(key)\""), "\(key) missing")
    }
    #expect(!text.contains("entropyTokenMean") && !text.contains("learningRate"))
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    #expect(try encoder.encode(decoder.decode(DumpSummary.self, from: data)) == data)
  }

  /// The η-default warning is the library's: it says η was not given, not which flag gives it.
  @Test func learningRateWarningNamesNoFlag() throws {
    let defaulted = try analysis().summary.warnings.filter { $0.contains("η = 1 by default") }
    #expect(defaulted.count == 1)
    #expect(defaulted.allSatisfy { !$0.contains("--") })
    #expect(try !analysis(lr: 0.5).summary.warnings.contains { $0.contains("η = 1 by default") })
  }

  /// Summaries in any order come back in step order with the series' checks, and the step series
  /// encodes with the keys `analyze DUMP DUMP … --json` has always written.
  @Test func stepSeriesOrdersAndKeepsItsKeys() throws {
    var a = try analysis().summary, b = a, c = a
    (a.step, b.step, c.step) = (3, 1, 2)
    let series = StepSeriesSummary(ordering: [a, b, c])
    #expect(series.steps.map(\.step) == [1, 2, 3])
    #expect(series.covarianceEntropyChangeCorrelation.n == 2)
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(series)) as! [String: Any]
    #expect(Set(object.keys) == ["steps", "covariance_entropy_change_correlation", "warnings"])
    var d = a
    d.step = 5
    #expect(StepSeriesSummary(ordering: [a, b, c, d]).warnings.contains { $0.contains("missing step(s) at the export interval 1: between 3 and 5") })
  }
}
