// DeltaH — entropy change of softmax policies.

import Dispatch
import EntropyInterventions
import GSLSupport
import SoftmaxEntropy
import Synchronization

/// Interventions × sampling seeds × sampled rules on one tabular environment: every combination
/// is an independent run of ``TabularTrainer``, run on up to `threads` cores; results are
/// summarised per (rule, intervention) over the seeds.
///
/// Per run: final H and J, the first step i with H_i < 0.1 (nil if never), the final policy's
/// pass@4 and pass@16 (``ExplorationMetrics``), the Pearson correlation of the first-order
/// prediction with the actual ΔH over the steps, and the entropy and reward curves. Per cell, each
/// statistic is summarised as mean ± the 95 % Student-t half width t_{0.975, n−1}·s/√n over the
/// n runs that have it (no half width for n = 1).
public struct InterventionSweep: Sendable {
  /// A sampled update rule of the sweep.
  public enum Rule: String, Sendable, CaseIterable, Codable {
    /// REINFORCE with the exact baseline (one epoch): plain sampled PG.
    case reinforce
    /// GRPO, one epoch.
    case grpo
    /// GRPO advantages with 4 PPO epochs (clip 0.2).
    case ppo

    /// The update rule of this name, which the sweep runs with its library defaults
    /// (``UpdateRule/Parameters``) but G.
    ///
    /// - Complexity: O(1).
    public var kind: UpdateRule.Kind {
      switch self {
      case .reinforce: .reinforce
      case .grpo: .grpo
      case .ppo: .ppo
      }
    }

    /// The rule as a sweep with G = `samples` runs it: the library defaults but G, with `intervention`.
    ///
    /// - Throws: `TabularPolicyError` for an invalid G or intervention.
    /// - Complexity: O(1).
    public func update(samples: Int, intervention: EntropyIntervention = .none) throws(TabularPolicyError) -> UpdateRule {
      try UpdateRule(kind, parameters: UpdateRule.Parameters(samplesPerState: samples), intervention: intervention)
    }
  }

  /// mean ± 95 % half width over n values.
  public struct Interval: Sendable, Codable, Equatable {
    public var mean: Double
    public var halfWidth: Double?
    public var n: Int

    enum CodingKeys: String, CodingKey {
      case mean, n
      case halfWidth = "half_width_95"
    }

    /// mean = (1/n) Σ xᵢ and half width t_{0.975, n−1} · s/√n with s² = Σ(xᵢ − mean)²/(n − 1)
    /// (compensated sums). nil for no values; `halfWidth` nil for n = 1. Non-finite values are
    /// not checked: they make the mean (and half width) non-finite.
    ///
    /// - Complexity: O(n).
    public init?(_ values: [Double]) {
      guard !values.isEmpty else { return nil }
      n = values.count
      mean = compensatedSum(values) / Double(n)
      if n >= 2 {
        let m = mean
        let sd = (compensatedSum(values.map { ($0 - m) * ($0 - m) }) / Double(n - 1)).squareRoot()
        halfWidth = studentTQuantile(0.975, degreesOfFreedom: Double(n - 1)) * sd / Double(n).squareRoot()
      }
    }
  }

  /// The result of one run.
  public struct RunResult: Sendable, Equatable {
    public var finalEntropy: Double
    public var finalReward: Double
    public var stepsToEntropyBelow01: Int?
    public var finalPassAt4: Double
    public var finalPassAt16: Double
    public var pearsonFirstOrder: Double?
    public var entropyCurve: [Double]
    public var rewardCurve: [Double]
  }

  /// One (rule, intervention) cell summarised over the seeds.
  public struct Cell: Sendable, Codable, Equatable {
    public var rule: Rule
    public var intervention: String
    public var runs: Int
    public var finalEntropy: Interval
    public var finalReward: Interval
    /// Over the runs whose entropy fell below 0.1; `collapsedRuns` of `runs` did.
    public var stepsToEntropyBelow01: Interval?
    public var collapsedRuns: Int
    public var passAt4: Interval
    public var passAt16: Interval
    public var pearsonFirstOrder: Interval?
    /// Mean over seeds of H and J at steps 0 … T (T + 1 points).
    public var meanEntropyCurve: [Double]
    public var meanRewardCurve: [Double]

    enum CodingKeys: String, CodingKey {
      case rule, intervention, runs
      case finalEntropy = "final_entropy"
      case finalReward = "final_reward"
      case stepsToEntropyBelow01 = "steps_to_entropy_below_0_1"
      case collapsedRuns = "collapsed_runs"
      case passAt4 = "pass_at_4"
      case passAt16 = "pass_at_16"
      case pearsonFirstOrder = "pearson_first_order"
      case meanEntropyCurve = "mean_entropy_curve"
      case meanRewardCurve = "mean_reward_curve"
    }
  }

  /// The most runs (seeds) per cell a sweep accepts: 10⁵.
  public static let maximumRuns = 100_000
  /// The most worker threads a sweep uses: 1024.
  public static let maximumThreads = 1024

  public var environment: any TabularEnvironment
  public var initialLogits: [[Double]]
  public var rules: [Rule]
  /// (name, intervention) pairs.
  public var interventions: [(name: String, intervention: EntropyIntervention)]
  /// Seeds of the sampling stream, one run per seed.
  public var seeds: [UInt64]
  public var steps: Int
  public var learningRate: Double
  public var samplesPerState: Int

  public init(
    environment: any TabularEnvironment, initialLogits: [[Double]], rules: [Rule],
    interventions: [(name: String, intervention: EntropyIntervention)], seeds: [UInt64], steps: Int,
    learningRate: Double, samplesPerState: Int = 8
  ) {
    self.environment = environment
    self.initialLogits = initialLogits
    self.rules = rules
    self.interventions = interventions
    self.seeds = seeds
    self.steps = steps
    self.learningRate = learningRate
    self.samplesPerState = samplesPerState
  }

  /// One run.
  ///
  /// - Throws: `TabularPolicyError` from the trainer.
  /// - Complexity: `steps` sampled updates.
  public func run(rule: Rule, intervention: EntropyIntervention, seed: UInt64) throws(TabularPolicyError) -> RunResult {
    let update = try rule.update(samples: samplesPerState, intervention: intervention)
    let trainer = try TabularTrainer(
      environment: environment, initialLogits: initialLogits, rule: update, learningRate: learningRate, seed: seed)
    let run = try trainer.run(steps: steps)
    let final = ExplorationMetrics(policies: trainer.currentPolicies, evaluation: try environment.evaluate(trainer.currentPolicies))
    let entropies = run.steps.map(\.entropy) + [run.finalEntropy]
    return RunResult(
      finalEntropy: run.finalEntropy, finalReward: run.finalReward,
      stepsToEntropyBelow01: entropies.firstIndex { $0 < 0.1 }, finalPassAt4: final.passAtK["4"]!,
      finalPassAt16: final.passAtK["16"]!,
      pearsonFirstOrder: pearsonCorrelation(run.steps.map(\.deltaFirstOrder), run.steps.map(\.deltaActual)),
      entropyCurve: entropies, rewardCurve: run.steps.map(\.reward) + [run.finalReward])
  }

  /// Runs every combination on up to `threads` cores and summarises each cell. The result does
  /// not depend on `threads` (each run is seeded on its own).
  ///
  /// - Throws: the first `TabularPolicyError` of any run (in cell order).
  /// - Complexity: rules × interventions × seeds runs.
  public func run(threads: Int = 2) throws(TabularPolicyError) -> [Cell] {
    let jobs = rules.flatMap { r in interventions.indices.flatMap { i in seeds.map { (r, i, $0) } } }
    let results = Mutex<[Int: Result<RunResult, TabularPolicyError>]>([:])
    let next = Atomic<Int>(0)
    let workers = max(1, min(threads, jobs.count))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let j = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard j < jobs.count else { return }
        let (rule, i, seed) = jobs[j]
        let outcome: Result<RunResult, TabularPolicyError>
        do throws(TabularPolicyError) {
          outcome = .success(try run(rule: rule, intervention: interventions[i].intervention, seed: seed))
        } catch {
          outcome = .failure(error)
        }
        results.withLock { $0[j] = outcome }
      }
    }
    let all = results.withLock { $0 }
    var cells: [Cell] = []
    var j = 0
    for rule in rules {
      for (name, _) in interventions {
        var runs: [RunResult] = []
        for _ in seeds {
          switch all[j]! {
          case .success(let r): runs.append(r)
          case .failure(let e): throw e
          }
          j += 1
        }
        let collapsed = runs.compactMap(\.stepsToEntropyBelow01)
        let points = runs[0].entropyCurve.count
        cells.append(Cell(
          rule: rule, intervention: name, runs: runs.count, finalEntropy: Interval(runs.map(\.finalEntropy))!,
          finalReward: Interval(runs.map(\.finalReward))!, stepsToEntropyBelow01: Interval(collapsed.map(Double.init)),
          collapsedRuns: collapsed.count, passAt4: Interval(runs.map(\.finalPassAt4))!,
          passAt16: Interval(runs.map(\.finalPassAt16))!, pearsonFirstOrder: Interval(runs.compactMap(\.pearsonFirstOrder)),
          meanEntropyCurve: (0..<points).map { t in compensatedSum(runs.map { $0.entropyCurve[t] }) / Double(runs.count) },
          meanRewardCurve: (0..<points).map { t in compensatedSum(runs.map { $0.rewardCurve[t] }) / Double(runs.count) }))
      }
    }
    return cells
  }
}
