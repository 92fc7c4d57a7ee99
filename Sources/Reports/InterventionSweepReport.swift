// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies

/// The result of `deltah sweep`: one ``InterventionSweep/Cell`` per (rule, intervention) with its
/// provenance. `sweep --format json` writes it (kind `sweep`) and `report` reads it back.
///
/// JSON keys: `cells` (the cells, keys of ``InterventionSweep/Cell``) and `provenance`.
public struct InterventionSweepReport: Codable, Sendable {
  /// The sweep's cells, rules × interventions.
  public var cells: [InterventionSweep.Cell]
  /// What produced them: environment, η, steps, G, the runs and their seeds, the interval.
  public var provenance: Provenance

  /// The JSON keys.
  public enum CodingKeys: String, CodingKey {
    case cells
    case provenance
  }

  public init(cells: [InterventionSweep.Cell], provenance: Provenance) {
    self.cells = cells
    self.provenance = provenance
  }

  /// The report of a sweep's `cells` over `environment` (its description), with η, the steps per
  /// run, G, the sampling seeds `seeds` (one run each) and the settings each rule and each
  /// intervention read (rules: the library defaults but G; interventions: built from
  /// `interventionParameters`, the defaults unless given) in the provenance.
  ///
  /// - Throws: `TabularPolicyError` when a rule cannot be built with G = `samplesPerState`.
  /// - Complexity: O(cells) beyond storing `cells`.
  public init(
    cells: [InterventionSweep.Cell], environment: String, learningRate: Double, steps: Int, samplesPerState: Int,
    seeds: ClosedRange<UInt64>, interventionParameters: EntropyIntervention.Parameters = .init()
  ) throws(TabularPolicyError) {
    let runs = seeds.upperBound - seeds.lowerBound + 1
    self.init(
      cells: cells,
      provenance: Provenance(
        generator: "DeltaH \(DeltaHVersion.string)", command: "deltah sweep",
        settings: [
          .init("environment", environment), .init("lr", NumberFormatting.exact(learningRate)), .init("steps", "\(steps)"),
          .init("samples per state", "\(samplesPerState)"),
          .init("runs", "\(runs) (sampling seeds \(seeds.lowerBound)…\(seeds.upperBound))"),
          .init("interval", "95 % Student t over runs"),
        ] + (try Self.settings(of: cells, samplesPerState: samplesPerState, interventionParameters: interventionParameters))))
  }

  /// The settings each rule and each intervention of `cells` read, as two provenance lines:
  /// "reinforce: entropy_coefficient = 0, samples_per_state = 8, …; grpo: …" and "clip-cov:
  /// covariance_ratio = 0.0002, …; …", in order of first appearance; interventions that read no
  /// setting are left out ("none" when none does).
  private static func settings(
    of cells: [InterventionSweep.Cell], samplesPerState: Int, interventionParameters: EntropyIntervention.Parameters
  ) throws(TabularPolicyError) -> [Provenance.Setting] {
    func text<Field: RawRepresentable<String>>(_ settings: [(field: Field, value: Double?)]) -> String {
      TextTable.settingsList(settings.map { ($0.field.rawValue, $0.value) })
    }
    var rules: [String] = [], interventions: [String] = []
    for cell in cells {
      let rule = "\(cell.rule.rawValue): " + text(try cell.rule.update(samples: samplesPerState).settings)
      if !rules.contains(rule) { rules.append(rule) }
      guard let kind = EntropyIntervention.Kind(rawValue: cell.intervention) else { continue }
      let read = interventionParameters.settings(readBy: kind), line = "\(kind.rawValue): " + text(read)
      if !read.isEmpty, !interventions.contains(line) { interventions.append(line) }
    }
    return [
      .init("rule settings", rules.joined(separator: "; ")),
      .init("intervention settings", interventions.isEmpty ? "none" : interventions.joined(separator: "; ")),
    ]
  }

  /// The sweep table (mean and 95 % interval per cell); its provenance ends with `theory`, the
  /// section of docs/theory.md on the tabular interventions, as every report table's does.
  ///
  /// - Complexity: O(cells).
  public var table: ReportTable {
    var p = provenance
    if !p.settings.contains(where: { $0.name == "theory" }) { p.settings.append(.init("theory", "docs/theory.md#tabular-interventions")) }
    return ReportTable.sweep(cells, provenance: p)
  }

  /// The overlaid mean entropy and reward curves, in that order, each captioned `caption`.
  ///
  /// - Complexity: O(cells × steps).
  public func curves(caption: String) -> [Figure] {
    [false, true].map { Figure.sweepCurves(cells, reward: $0, caption: caption) }
  }
}
