// DeltaH — entropy change of softmax policies.

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
  /// run, G and the sampling seeds `seeds` (one run each) in the provenance.
  ///
  /// - Complexity: O(1) beyond storing `cells`.
  public init(
    cells: [InterventionSweep.Cell], environment: String, learningRate: Double, steps: Int, samplesPerState: Int,
    seeds: ClosedRange<UInt64>
  ) {
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
        ]))
  }

  /// The sweep table (mean and 95 % interval per cell).
  public var table: ReportTable { ReportTable.sweep(cells, provenance: provenance) }

  /// The overlaid mean entropy and reward curves, in that order, each captioned `caption`.
  public func curves(caption: String) -> [Figure] {
    [false, true].map { Figure.sweepCurves(cells, reward: $0, caption: caption) }
  }
}
