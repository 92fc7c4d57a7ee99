// DeltaH — entropy change of softmax policies.

import EntropyInterventions
import TabularPolicies

extension InterventionSweepReport {
  /// Runs the sweep of `deltah sweep` and reports it: every `rule` × `intervention` (each built
  /// with its library defaults, Entrocraft annealed over `steps`) × `runs` sampling seeds
  /// `seed + 1 … seed + runs` on `problem`, with η and G, on up to `threads` cores (the result does
  /// not depend on `threads`), summarised per cell (``InterventionSweep/run(threads:)``) with the
  /// provenance of ``init(cells:environment:learningRate:steps:samplesPerState:seeds:interventionParameters:)``.
  ///
  /// - Throws: `TabularPolicyError` naming the setting when `runs` is not in 1 … ``InterventionSweep/maximumRuns``, the seeds overflow 64 bits,
  ///   an intervention needs a setting without a default (polarity's target), or a run fails.
  /// - Complexity: rules × interventions × runs runs of `steps` sampled updates.
  public init(
    sweeping problem: TabularProblem, rules: [InterventionSweep.Rule], interventions: [EntropyIntervention.Kind], seed: UInt64,
    runs: Int, steps: Int, learningRate: Double, samplesPerState: Int, threads: Int
  ) throws(TabularPolicyError) {
    guard runs >= 1, runs <= InterventionSweep.maximumRuns, seed <= UInt64.max - UInt64(runs) else {
      throw TabularPolicyError(
        argument: "runs",
        problem: "the sampling seeds \(seed) + 1 … \(seed) + \(runs) must be 1 to \(InterventionSweep.maximumRuns) seeds that fit in 64 bits")
    }
    var built: [(name: String, intervention: EntropyIntervention)] = []
    for kind in interventions {
      do { built.append((kind.rawValue, try EntropyIntervention(kind, totalSteps: steps))) } catch { throw TabularPolicyError(nesting: error) }
    }
    let sweep = InterventionSweep(
      environment: problem.environment, initialLogits: problem.initialLogits, rules: rules, interventions: built,
      seeds: (1...UInt64(runs)).map { seed + $0 }, steps: steps, learningRate: learningRate, samplesPerState: samplesPerState)
    try self.init(
      cells: sweep.run(threads: threads), environment: problem.description, learningRate: learningRate, steps: steps,
      samplesPerState: samplesPerState, seeds: seed + 1...seed + UInt64(runs))
  }
}
