// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import DumpAnalysis
import LogitDumps

/// The library checks every setting of the dump pipeline against its domain (before, a library
/// caller's η = −1 flipped the sign of every polarity, micro-batch 0 or trust tolerance 0 trapped,
/// and a hand-edited partial's lr = −1 was merged). Each refusal is a ``DumpError`` naming the
/// dump (or partial), whose underlying ``AnalysisSettingError`` names the setting in the library's
/// words (never a command-line flag).
@Suite("dump pipeline settings are validated by the library")
struct SettingsValidationTests {
  static let step1 = "data/sample/step_0001.safetensors"
  static let step2 = "data/sample/step_0002.safetensors"
  let fixtures = DumpFixtures()

  /// The setting named by the error thrown by `body` (an ``AnalysisSettingError``, or a ``DumpError``
  /// around one), nil when it threw none, "other: …" for another error.
  func refusedSetting(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      if let setting = error as? AnalysisSettingError { return setting.setting }
      guard let dump = error as? DumpError, let setting = dump.underlying as? AnalysisSettingError else { return "other: \(error)" }
      #expect(!dump.description.contains("--"), "the library names no CLI flag: \(dump)")
      #expect(dump.description.contains(setting.setting))
      return setting.setting
    }
  }

  func options(_ edit: (inout AnalysisOptions) -> Void) -> AnalysisOptions {
    var o = AnalysisOptions()
    edit(&o)
    return o
  }

  @Test func defaultsAreInTheirDomains() throws {
    try AnalysisOptions().validate()
    try DumpAnalysisSettings().validate()
    try ComparisonSettings().validate()
  }

  /// Before: η = −1 gave the polarity total of η = 1 with its sign flipped, with exit 0.
  @Test(arguments: [-1.0, 0, -.infinity, .infinity, .nan])
  func learningRateOutsideItsDomainIsRefused(eta: Double) throws {
    let dump = try LogitDump(path: Self.step1)
    #expect(refusedSetting { _ = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(learningRate: eta)) } == "learningRate")
    let viaOptions = DumpAnalysisSettings(options: options { $0.learningRate = eta })
    #expect(refusedSetting { _ = try DumpPipeline.analyze(dump, settings: viaOptions) } == "learningRate")
    let range = 0..<dump.positionCount
    #expect(refusedSetting { _ = try DumpPipeline.partial(dump, settings: viaOptions, shard: (0, 1), range: range) } == "learningRate")
  }

  @Test func givenLearningRateReplacesTheOptionsOwn() throws {
    // The options' own η is replaced by the given one, so only the given one is checked.
    let settings = DumpAnalysisSettings(learningRate: 2, options: options { $0.learningRate = -1 })
    try settings.validate()
  }

  @Test func eachOptionOutsideItsDomainIsRefusedByName() throws {
    let dump = try LogitDump(path: Self.step1)
    let cases: [(AnalysisOptions, String)] = [
      (options { $0.klCovRatio = 7 }, "klCovRatio"),
      (options { $0.klCovRatio = 0 }, "klCovRatio"),
      (options { $0.clipCovRatio = -1 }, "clipCovRatio"),
      (options { $0.clipCovRatio = .nan }, "clipCovRatio"),
      (options { $0.clipCovBounds = .init(lower: 5, upper: 1) }, "clipCovBounds"),
      (options { $0.clipCovBounds = .init(lower: 1, upper: 1) }, "clipCovBounds"),
      (options { $0.clipCovBounds = .init(lower: -.infinity, upper: 1) }, "clipCovBounds"),
      (options { $0.microBatch = 0 }, "microBatch"),
      (options { $0.microBatch = -3 }, "microBatch"),
      (options { $0.steerWeightRange = .init(lower: 1.2, upper: 0.8) }, "steerWeightRange"),
      (options { $0.steerWeightRange = .init(lower: 0, upper: 1) }, "steerWeightRange"),
      (options { $0.clipping = ClipSettings(low: 1.5, high: 0.2) }, "clipping.low"),
      (options { $0.clipping = ClipSettings(low: 0.2, high: .nan) }, "clipping.high"),
      (options { $0.clipping = ClipSettings(low: 0.2, high: 0.2, dual: 1) }, "clipping.dual"),
    ]
    for (o, setting) in cases {
      #expect(refusedSetting { try o.validate() } == setting)
      // Before: micro-batch 0 trapped (a precondition); a ratio's error said only 'ratio'.
      #expect(refusedSetting { _ = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(options: o)) } == setting)
    }
  }

  @Test func aConstantSteerWeightIsInItsDomain() throws {
    try options { $0.steerWeightRange = .init(lower: 1, upper: 1) }.validate()
  }

  @Test(arguments: [0.0, -1, .nan, .infinity, Double("1e-310")!])
  func temperatureOutsideItsDomainIsRefused(t: Double) throws {
    let dump = try LogitDump(path: Self.step1), after = try LogitDump(path: Self.step2)
    #expect(refusedSetting { _ = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings(temperature: t)) } == "temperature")
    #expect(refusedSetting { _ = try DumpPipeline.compare(before: dump, after: after, settings: ComparisonSettings(temperature: t)) } == "temperature")
    #expect(refusedSetting { _ = try DumpPipeline.whatIf(Self.step1, settings: DumpAnalysisSettings(temperature: t), whatIf: WhatIfOptions()) } == "temperature")
  }

  /// Before: a trust tolerance ≤ 0 or NaN trapped (a precondition of the trust scale) after the
  /// whole comparison was computed.
  @Test(arguments: [0.0, -0.1, .nan, .infinity])
  func trustToleranceOutsideItsDomainIsRefused(epsilon: Double) throws {
    let dump = try LogitDump(path: Self.step1), after = try LogitDump(path: Self.step2)
    #expect(refusedSetting { _ = try DumpPipeline.compare(before: dump, after: after, settings: ComparisonSettings(trustTolerance: epsilon)) } == "trustTolerance")
    let partial = try DumpPipeline.compare(before: dump, after: after, settings: ComparisonSettings()).partial(shard: (0, 1))
    #expect(refusedSetting { _ = try DumpPipeline.mergeComparison([partial], trustTolerance: epsilon) } == "trustTolerance")
  }

  @Test func mergeRefusesOptionsOutsideTheirDomain() throws {
    let dump = try LogitDump(path: Self.step1)
    let partial = try DumpPipeline.partial(dump, settings: DumpAnalysisSettings(), shard: (0, 1), range: 0..<dump.positionCount)
    #expect(refusedSetting { _ = try DumpPipeline.mergeAnalysis([partial]) { $0.replacing(learningRate: -1) } } == "learningRate")
    #expect(refusedSetting { _ = try DumpPipeline.mergeAnalysis([partial]) { $0.replacing(microBatch: 0) } } == "microBatch")
  }

  /// Copies a partial with some metadata replaced.
  func edited(_ source: String, _ name: String, metadata: [String: String]) throws -> String {
    let archive = try TensorArchive(path: source)
    var w = SafetensorsWriter(metadata: archive.metadata.merging(metadata) { $1 })
    for t in archive.tensors {
      switch t.elementType {
      case .f64: w.add(t.name, try t.doubles(), shape: t.shape)
      case .i64: w.add(t.name, try t.int64s(), shape: t.shape)
      default: w.add(t.name, try t.bools().map { $0 ? UInt8(1) : 0 }, shape: t.shape)
      }
    }
    let p = fixtures.path(name)
    try w.write(to: p)
    return p
  }

  /// Before: a hand-edited partial with lr = −1 (or 0) was read and merged, flipping (or zeroing)
  /// every polarity; now it fails naming the partial and its metadata key.
  @Test func handEditedPartialSettingsAreRefusedNamingFileAndKey() throws {
    let dump = try LogitDump(path: Self.step1)
    let good = fixtures.path("good.safetensors")
    try DumpPipeline.partial(dump, settings: DumpAnalysisSettings(), shard: (0, 1), range: 0..<dump.positionCount).write(to: good)
    _ = try AnalysisPartial(path: good)
    let cases: [([String: String], String)] = [
      (["lr": "-1"], "metadata 'lr'"), (["lr": "0"], "metadata 'lr'"), (["kl_cov_ratio": "7"], "metadata 'kl_cov_ratio'"),
      (["clip_cov_ratio": "0"], "metadata 'clip_cov_ratio'"), (["clip_cov_bounds": "5,1"], "metadata 'clip_cov_bounds'"),
      (["micro_batch": "0"], "metadata 'micro_batch'"), (["steer_weight_range": "-1,1"], "metadata 'steer_weight_range'"),
    ]
    for (i, (metadata, fragment)) in cases.enumerated() {
      let path = try edited(good, "bad\(i).safetensors", metadata: metadata)
      do {
        _ = try AnalysisPartial(path: path)
        Issue.record("\(metadata) was accepted")
      } catch {
        let text = "\(error)"
        #expect(text.hasPrefix(path + ": ") && text.contains(fragment) && !text.contains("\n") && !text.contains("--"), "\(text)")
      }
    }
    // A constant STEER weight (lower = upper) is a setting a partial may record.
    let constant = try edited(good, "steer.safetensors", metadata: ["steer_weight_range": "1,1"])
    #expect(try AnalysisPartial(path: constant).provenance.options.steerWeightRange == .init(lower: 1, upper: 1))
  }
}
