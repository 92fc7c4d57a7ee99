// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// The rule and intervention settings of `bandit`/`mdp` are checked while parsing, as the dump
/// options are: one line naming the flag, exit 64. Before, `--clip-low nan`, `--t-high 0` or
/// `--cov-ratio 5` reached the library and failed with exit 1 in its words ("clipLow: ε_low must
/// be in [0, 1]", "ratio: …"), which name no flag, and `--clip-low -1` read as a missing value.
@Suite("deltah bandit/mdp settings checked while parsing; argument errors found while running")
struct TabularOptionDomainTests {
  static let grpo = ["bandit", "--rewards", "1,0,0.5", "--steps", "2", "--rule", "grpo"]

  @Test(arguments: [
    (["--clip-low", "nan"], "'nan' is invalid for '--clip-low <clip-low>': must be a finite number"),
    (["--clip-low", "-1"], "'-1' is invalid for '--clip-low <clip-low>': must be in [0, 1]"),
    (["--clip-high", "-0.1"], "'-0.1' is invalid for '--clip-high <clip-high>': must be a finite number ≥ 0"),
    (["--dual-clip", "0.5"], "'0.5' is invalid for '--dual-clip <dual-clip>': must be a finite number > 1"),
    (["--grpo-epsilon", "-1"], "'-1' is invalid for '--grpo-epsilon <grpo-epsilon>': must be a finite number ≥ 0"),
    (["--entropy-coef", "inf"], "'inf' is invalid for '--entropy-coef <entropy-coef>': must be a finite number"),
    (["--temperature-coef", "-1"], "'-1' is invalid for '--temperature-coef <temperature-coef>': must be a finite number ≥ 0"),
    (["--temperature-target", "nan"], "'nan' is invalid for '--temperature-target <temperature-target>': must be a finite number"),
    (["--t-high", "0"], "'0' is invalid for '--t-high <t-high>': must be a finite number > 0"),
    (["--t-low", "-2"], "'-2' is invalid for '--t-low <t-low>': must be a finite number > 0"),
    (["--intervention", "clip-cov", "--cov-ratio", "5"], "'5' is invalid for '--cov-ratio <cov-ratio>': must be in (0, 1]"),
    (["--intervention", "clip-cov", "--cov-lower", "9"], "--cov-lower 9.0 must be below --cov-upper 5.0"),
    (["--intervention", "clip-cov", "--cov-upper", "nan"], "'nan' is invalid for '--cov-upper <cov-upper>': must be a finite number"),
    (["--intervention", "kl-cov", "--kl-coef", "nan"], "'nan' is invalid for '--kl-coef <kl-coef>': must be a finite number"),
    (["--intervention", "forking", "--forking-ratio", "2"], "'2' is invalid for '--forking-ratio <forking-ratio>': must be in (0, 1]"),
    (["--intervention", "steer-linear", "--steer-min", "3"], "--steer-min 3.0 must not exceed --steer-max 1.2"),
    // Before: exit 1 in the library's words ("STEER weights: need finite 0 ≤ w_min ≤ w_max, got (-1.0, 1.2)").
    (["--intervention", "steer-linear", "--steer-min", "-1"], "--steer-min -1.0 must be ≥ 0 (a negative STEER weight reverses a token's update)"),
    (["--intervention", "steer-exp", "--steer-min", "1.5"], "--steer-min 1.5 must be in (0, 1] for steer-exp"),
    // Before: exit 1 in the library's words ("samplesPerState: GRPO needs G ≥ 2 …").
    (["--samples", "1"], "--rule grpo normalises advantages by the group's std: --samples must be at least 2, got 1"),
    (["--intervention", "entrocraft", "--entrocraft-start", "0.7,0.6"], "'0.7,0.6' is invalid for '--entrocraft-start <entrocraft-start>': takes two finite numbers lower,upper with lower ≤ upper"),
  ])
  func outOfDomainSettingIsRefusedInOneLineNamingTheFlag(extra: [String], message: String) throws {
    let r = try runDeltaH(Self.grpo + extra)
    #expect(r.isUsageError(naming: message), "\(extra): status \(r.status), \(r.standardError)")
  }

  /// A setting that only another intervention relates is not checked against it: STEER's w_min
  /// above w_max is fine without STEER, and w_min = 0.9 is fine for steer-exp.
  @Test func settingsOfAnotherInterventionAreNotCrossChecked() throws {
    #expect(try runDeltaH(Self.grpo + ["--intervention", "none", "--steer-min", "3"]).status == 0)
    #expect(try runDeltaH(Self.grpo + ["--intervention", "steer-exp", "--steer-min", "0.9"]).status == 0)
    #expect(try runDeltaH(Self.grpo + ["--intervention", "kl-cov", "--cov-lower", "9"]).status == 0)
  }

  /// A flag not given keeps the library's default (`UpdateRule.Parameters`,
  /// `EntropyIntervention.Parameters`): the run is bit-identical to one that spells the defaults
  /// out, its recorded settings have the same values (marked as defaults only in the first), and
  /// the help shows them.
  @Test func omittedSettingsAreTheLibraryDefaultsTheHelpShows() throws {
    let base = ["bandit", "--arms", "4", "--seed", "3", "--steps", "6", "--rule", "ppo", "--temperature-coef", "0.5", "--json"]
    let spelled = [
      "--clip-low", "0.2", "--clip-high", "0.2", "--grpo-epsilon", "1e-6", "--samples", "8", "--temperature-target", "0.5",
      "--t-high", "1.2", "--t-low", "0.8",
    ]
    let ruleNames: Set<String> = [
      "clip_low", "clip_high", "grpo_epsilon", "samples_per_state", "temperature_target", "high_temperature", "low_temperature",
    ]
    let interventions: [([String], Set<String>)] = [
      (["--intervention", "clip-cov", "--cov-lower", "1", "--cov-upper", "5"], ["covariance_lower_bound", "covariance_upper_bound"]),
      (["--intervention", "steer-linear", "--steer-min", "0.8", "--steer-max", "1.2"], ["steer_minimum", "steer_maximum"]),
      (["--intervention", "entrocraft", "--entrocraft-start", "0.6,0.7", "--entrocraft-end", "0.1,0.2"],
       ["entrocraft_start_lower", "entrocraft_start_upper", "entrocraft_end_lower", "entrocraft_end_upper"]),
      (["--intervention", "forking", "--forking-ratio", "0.2"], ["forking_ratio"]),
      (["--intervention", "kl-cov", "--kl-coef", "1"], ["kl_coefficient"]),
    ]
    for (intervention, names) in interventions {
      // KL-Cov's loss has no PPO clip: it reads no --clip-low/--clip-high (given, they would warn).
      let readsClip = intervention[1] != "kl-cov"
      let spelled = readsClip ? spelled : Array(spelled.dropFirst(4))
      let ruleNames = readsClip ? ruleNames : ruleNames.subtracting(["clip_low", "clip_high"])
      let implicit = try runDeltaH(base + Array(intervention.prefix(2)))
      let explicit = try runDeltaH(base + intervention + spelled)
      #expect(implicit.status == 0 && explicit.status == 0, "\(implicit.standardError)\(explicit.standardError)")
      #expect(implicit.standardError.isEmpty && explicit.standardError.isEmpty, "every setting given is read")
      let (a, b) = (try implicit.jsonObject(), try explicit.jsonObject())
      #expect((a["steps"] as? NSArray) == (b["steps"] as? NSArray), "\(intervention)")
      let (sa, sb) = (try #require(a["summary"] as? [String: Any]), try #require(b["summary"] as? [String: Any]))
      let (settingsA, settingsB) = (try #require(sa["settings"] as? NSDictionary), try #require(sb["settings"] as? NSDictionary))
      #expect(settingsA["rule"] as? NSDictionary == settingsB["rule"] as? NSDictionary)
      #expect(settingsA["intervention"] as? NSDictionary == settingsB["intervention"] as? NSDictionary)
      let spelledNames = ruleNames.union(names)
      #expect(Set(settingsA["defaults"] as? [String] ?? []).isSuperset(of: spelledNames), "\(intervention)")
      #expect(Set(settingsB["defaults"] as? [String] ?? []).isDisjoint(with: spelledNames), "\(intervention)")
    }
    let help = try runDeltaH(["bandit", "--help"]).standardOutput.replacingOccurrences(of: "\n", with: " ")
      .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    for text in ["T_high > 0 (default: 1.2)", "PPO ε_low in [0, 1] (default: 0.2)", "GRPO std epsilon ≥ 0 (default: 1e-06)",
                 "Clip-Cov ω_high (default: 5.0)", "Entrocraft start bounds L0 ≤ U0 (default: 0.6,0.7)", "KL-Cov β ≥ 0 (default: 1.0)"] {
      #expect(help.contains(text), "help lacks \(text)")
    }
  }

  /// Argument errors found while running (after parsing) exit 64 like the parse-time ones; they
  /// exited 1 before, although their type said 64.
  @Test func runTimeArgumentErrorsExit64() throws {
    let scratch = ScratchFolder("argument-errors")
    let sample = TrustworthyAnswersCommandTests.step(1)
    _ = try scratch.file("README", "scratch")  // creates the folder
    let shard = try runDeltaH(["analyze", sample, "--shard", "99/100", "--partial", scratch.path("p")])
    #expect(shard.status == 64 && shard.standardError.contains("--shard 99/100") && shard.standardError.contains("at most 8 shards"), "\(shard.standardError)")
    let part = scratch.path("part0.safetensors")
    #expect(try runDeltaH(["analyze", sample, "--shard", "0/2", "--partial", part]).status == 0)
    let perToken = try runDeltaH(["merge", part, "--per-token", scratch.path("pt.safetensors")])
    #expect(perToken.status == 64 && perToken.standardError.contains("--per-token needs every shard"), "\(perToken.standardError)")
    // --trust-tolerance has no effect on analyze partials: refused, not ignored (it was ignored).
    let trust = try runDeltaH(["merge", part, "--trust-tolerance", "0.2"])
    #expect(trust.status == 64 && trust.standardError.contains("--trust-tolerance applies to compare partials"), "\(trust.standardError)")
    let overflow = try runDeltaH(["bandit", "--rewards", "1,0", "--lr", "1e300", "--steps", "3"])
    #expect(overflow.status == 64 && overflow.standardError.contains("--lr 1e+300 or a coefficient is too large"), "\(overflow.standardError)")
  }
}
