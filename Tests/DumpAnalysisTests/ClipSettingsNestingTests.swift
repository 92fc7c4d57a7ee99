// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyInterventions
import Testing

/// `ClipSettings.validate()` stated the PPO clip's domains a second time (ε_l ∈ [0, 1], ε_h ≥ 0,
/// c > 1) next to ``PPOClipWeighting/validate()``. It now calls that one validation and nests its
/// ``InterventionError`` (errors nest, as `CurvatureError.linearAlgebra(LinearAlgebraError)`
/// does), keeping the setting's name and value.
@Suite("ClipSettings.validate nests the PPO clip's own refusal")
struct ClipSettingsNestingTests {
  @Test(arguments: [
    (ClipSettings(low: 1.5, high: 0.2), "clipping.low", "1.5", "ε_l must be in [0, 1]"),
    (ClipSettings(low: -0.1, high: 0.2), "clipping.low", "-0.1", "ε_l must be in [0, 1]"),
    (ClipSettings(low: 0.2, high: .nan), "clipping.high", "nan", "ε_h must be finite and ≥ 0"),
    (ClipSettings(low: 0.2, high: -1), "clipping.high", "-1.0", "ε_h must be finite and ≥ 0"),
    (ClipSettings(low: 0.2, high: 0.2, dual: 1), "clipping.dual", "1.0", "the dual clip c must be finite and > 1"),
    (ClipSettings(low: 0.2, high: 0.2, dual: .infinity), "clipping.dual", "inf", "the dual clip c must be finite and > 1"),
  ])
  func aSettingOutsideItsDomainNestsTheInterventionError(clip: ClipSettings, setting: String, value: String, domain: String) throws {
    let rule = PPOClipWeighting(clipLow: clip.low, clipHigh: clip.high, dualClip: clip.dual)
    var nested: InterventionError?
    do { try rule.validate() } catch { nested = error }
    #expect(nested != nil)
    do {
      try clip.validate()
      Issue.record("\(clip) was accepted")
    } catch {
      #expect(error.intervention == nested)
      #expect(error.setting == setting && error.value == value)
      // The message names the setting, its value and its domain, as before (the domain's symbol
      // included), and the value as the intervention's check reports it.
      #expect(error.description.hasPrefix("\(setting) = \(value) is outside its domain: \(domain)"), "\(error)")
      #expect(error.description.hasSuffix("got \(value)"), "\(error)")
    }
  }

  @Test func settingsInTheirDomainsPassBothChecks() throws {
    for clip in [ClipSettings(low: 0, high: 0), ClipSettings(low: 1, high: 10, dual: 3), ClipSettings(low: 0.2, high: 0.28)] {
      try clip.validate()
      try PPOClipWeighting(clipLow: clip.low, clipHigh: clip.high, dualClip: clip.dual).validate()
    }
  }

  /// Settings the analysis checks itself carry no nested error.
  @Test func ownSettingsNestNothing() {
    var options = AnalysisOptions()
    options.klCovRatio = 2
    #expect(throws: AnalysisSettingError(setting: "klCovRatio", value: "2.0", problem: "must be a fraction in (0, 1]")) {
      try options.validate()
    }
  }
}
