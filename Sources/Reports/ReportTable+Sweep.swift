// DeltaH — entropy change of softmax policies.

import TabularPolicies

extension ReportTable {
  /// The comparison table of an ``InterventionSweep``: one row per (rule, intervention), each
  /// statistic as mean and 95 % half width over the seeds.
  ///
  /// - Complexity: O(cells).
  public static func sweep(_ cells: [InterventionSweep.Cell], provenance: Provenance) -> ReportTable {
    var t = ReportTable(
      title: "Interventions on the toy: mean and 95 % interval over seeds", label: "sweep",
      columns: [
        .init("rule"), .init("intervention"), .init("runs"), .init("final H", unit: "nats"), .init("± H"),
        .init("final J"), .init("± J"), .init("steps to H < 0.1"), .init("± steps"), .init("runs with H < 0.1"),
        .init("pass@4"), .init("± pass@4"), .init("pass@16"), .init("Pearson 1st order"), .init("± Pearson"),
      ],
      provenance: provenance)
    for c in cells {
      t.append([
        .text(c.rule.rawValue), .text(c.intervention), .integer(c.runs), .number(c.finalEntropy.mean),
        .number(c.finalEntropy.halfWidth), .number(c.finalReward.mean), .number(c.finalReward.halfWidth),
        .number(c.stepsToEntropyBelow01?.mean), .number(c.stepsToEntropyBelow01?.halfWidth), .integer(c.collapsedRuns),
        .number(c.passAt4.mean), .number(c.passAt4.halfWidth), .number(c.passAt16.mean),
        .number(c.pearsonFirstOrder?.mean), .number(c.pearsonFirstOrder?.halfWidth),
      ])
    }
    return t
  }
}

extension Figure {
  /// Mean entropy (or reward) curves of every sweep cell, overlaid.
  ///
  /// - Complexity: O(cells × steps).
  public static func sweepCurves(_ cells: [InterventionSweep.Cell], reward: Bool, caption: String) -> Figure {
    var plot = Plot(
      title: reward ? "Mean reward by intervention" : "Mean entropy by intervention", x: .init("step", integerTicks: true),
      y: .init(reward ? "J" : "H (nats)", includesZero: true))
    for (k, c) in cells.enumerated() {
      let y = reward ? c.meanRewardCurve : c.meanEntropyCurve
      plot.series.append(.init("\(c.rule.rawValue) \(c.intervention)", kind: .line(dashed: false), x: y.indices.map(Double.init), y: y, colour: k % 8))
    }
    return Figure(label: reward ? "sweep-reward" : "sweep-entropy", caption: caption, plot: plot)
  }
}
