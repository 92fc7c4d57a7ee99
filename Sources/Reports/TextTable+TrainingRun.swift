// DeltaH — entropy change of softmax policies.

import TabularPolicies

extension TextTable {
  /// The terminal report of a tabular training run (`deltah bandit|mdp` without --json/--csv): a
  /// heading (environment, rule, η, intervention), the settings read with their values ("(default)"
  /// after library defaults), the warnings, a table of H, J, ΔH actual / first / second
  /// order, Φ± and touched samples at about 20 evenly spaced steps (every ⌊T/20⌋-th and the last),
  /// then the final H and J, the first-order prediction's Pearson r and max errors, and the
  /// entropy–performance fit when it is defined.
  ///
  /// - Complexity: O(steps).
  public static func trainingRun(_ run: TrainingRun, summary s: RunSummary) -> String {
    func format(_ x: Double, digits: Int = 10) -> String { NumberFormatting.terminal(x, digits: digits) }
    var t = TextTable("step", "H", "J", "ΔH actual", "1st order", "2nd order", "Φ+", "Φ−", "touched")
    let stride = max(1, run.steps.count / 20)
    for r in run.steps where r.step % stride == 0 || r.step == run.steps.count - 1 {
      t.append(
        "\(r.step)", format(r.entropy, digits: 6), format(r.reward, digits: 6),
        format(r.deltaActual, digits: 4), format(r.deltaFirstOrder, digits: 4),
        format(r.deltaSecondOrder, digits: 4), format(r.expandingFlow, digits: 4),
        format(r.contractingFlow, digits: 4), "\(r.interventionTouched)")
    }
    var lines = ["\(s.environment); rule \(s.rule.rawValue), η = \(format(s.learningRate)), intervention \(s.intervention.rawValue)"]
    if let settings = s.settings { lines += wrapped("settings: " + describe(settings)) }
    lines += (s.warnings ?? []).map { "warning: \($0)" } + [t.rendered(), ""]
    lines.append("final H = \(format(s.finalEntropy)), final J = \(format(s.finalReward))")
    lines.append("first order vs actual: Pearson \(s.pearsonFirstOrder.map { format($0, digits: 6) } ?? "- (undefined: a constant series)"), max |err| 1st \(format(s.maxErrorFirstOrder, digits: 3)), 2nd \(format(s.maxErrorSecondOrder, digits: 3))")
    if let a = s.fitA, let b = s.fitB, let c = s.fitCeiling {
      lines.append("entropy–performance law R = −a·e^H + b: a = \(format(a, digits: 6)), b = \(format(b, digits: 6)), ceiling b − a = \(format(c, digits: 6))")
    }
    return lines.joined(separator: "\n")
  }

  /// "samples_per_state = 8 (default), …, sample_seed = 2, scaling = per-state (default)": every
  /// setting read, rule first, an absent one as "none".
  static func describe(_ settings: TrainingSettings) -> String {
    let defaults = Set(settings.defaults)
    func mark(_ name: String) -> String { defaults.contains(name) ? " (default)" : "" }
    var parts = [settingsList((settings.rule + settings.intervention).map { ($0.name, $0.value) }, defaults: defaults)]
    if let seed = settings.sampleSeed { parts.append("sample_seed = \(seed)\(mark("sample_seed"))") }
    parts.append("scaling = \(settings.scaling.rawValue)\(mark("scaling"))")
    return parts.filter { !$0.isEmpty }.joined(separator: ", ")
  }

  /// "name = value, …" (values as ``NumberFormatting/terminal(_:digits:)``, an absent one "none"),
  /// with "(default)" after the names in `defaults`.
  static func settingsList(_ entries: [(name: String, value: Double?)], defaults: Set<String> = []) -> String {
    entries.map { "\($0.name) = \($0.value.map { NumberFormatting.terminal($0) } ?? "none")\(defaults.contains($0.name) ? " (default)" : "")" }
      .joined(separator: ", ")
  }

  /// `text` broken after ", " into lines of at most `width` characters where it can be (a longer
  /// item stays whole), the continuation lines indented by two spaces.
  static func wrapped(_ text: String, width: Int = 100) -> [String] {
    var lines: [String] = [], line = ""
    for item in text.split(separator: ", ", omittingEmptySubsequences: false).map(String.init) {
      let candidate = line.isEmpty ? item : line + ", " + item
      if line.isEmpty || candidate.count <= width { line = candidate } else { lines.append(line + ","); line = "  " + item }
    }
    return lines + [line]
  }
}
