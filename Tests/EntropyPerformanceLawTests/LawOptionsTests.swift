// DeltaH — entropy change of softmax policies.

import Testing
import EntropyPerformanceLaw

/// ``EntropyPerformanceLaw/Options/validate()``: each setting against its domain, named in the
/// field's words (no command-line flag), before any data is read.
@Suite("EntropyPerformanceLaw.Options validation")
struct LawOptionsTests {
  @Test func defaultsAndBoundsAreValid() throws {
    try EntropyPerformanceLaw.Options().validate()
    try EntropyPerformanceLaw.Options(fitFraction: 0.5, bootstrapResamples: EntropyPerformanceLaw.Options.minimumBootstrapResamples).validate()
    try EntropyPerformanceLaw.Options(bootstrapResamples: EntropyPerformanceLaw.Options.maximumBootstrapResamples).validate()
  }

  @Test(arguments: [
    (EntropyPerformanceLaw.Options(fitFraction: 1), "fit fraction", "must be in (0, 1), got 1.0"),
    (EntropyPerformanceLaw.Options(fitFraction: 0), "fit fraction", "must be in (0, 1), got 0.0"),
    (EntropyPerformanceLaw.Options(fitFraction: .nan), "fit fraction", "must be in (0, 1), got nan"),
    (EntropyPerformanceLaw.Options(bootstrapResamples: 0), "bootstrap resamples", "needs at least 2 resamples for an interval, got 0"),
    // One resample was accepted here and every fit then failed ("only 1 of 1 bootstrap resamples could be fitted").
    (EntropyPerformanceLaw.Options(bootstrapResamples: 1), "bootstrap resamples", "needs at least 2 resamples for an interval, got 1"),
    (EntropyPerformanceLaw.Options(bootstrapResamples: 1_000_001), "bootstrap resamples", "1000001 resamples is too many: at most 1000000"),
    (EntropyPerformanceLaw.Options(confidenceLevel: 1), "confidence level", "must be in (0, 1), got 1.0"),
  ])
  func outOfDomainSettingIsNamed(options: EntropyPerformanceLaw.Options, setting: String, problem: String) {
    #expect(throws: LawError(source: setting, problem: problem)) { try options.validate() }
  }

  /// The fit checks the options before reading its points' values: a bad B is reported as such
  /// even for points the fit would refuse later (a constant entropy).
  @Test func theFitValidatesTheOptions() {
    let flat = LawObservations(
      steps: nil, entropies: [1, 1, 1, 1], performances: [0.1, 0.2, 0.3, 0.4], source: "log", format: "csv",
      entropyColumn: "entropy", performanceColumn: "reward", stepColumn: nil, skippedRows: 0, notes: [])
    #expect(throws: LawError(source: "bootstrap resamples", problem: "needs at least 2 resamples for an interval, got 0")) {
      try EntropyPerformanceLaw(observations: flat, options: .init(bootstrapResamples: 0))
    }
  }
}
