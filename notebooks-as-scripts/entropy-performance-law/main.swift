// DeltaH — entropy change of softmax policies.
//
// Claim examined: Cui et al. (2025) §2.4–2.5 — along a training run, performance and entropy follow
// R = −a·e^H + b, so the performance ceiling at H = 0 is b − a, and a fit on the early steps
// predicts the rest (docs/theory.md#entropy-performance-law).

import _NotebookSupport
import GSLSupport
import RealModule
import TabularPolicies

let report = try NotebookReport(
  name: "entropy-performance-law",
  claim: """
    Claim examined (Cui et al. 2025 Eq. 6; docs/theory.md#entropy-performance-law): R = −a·e^H + b with ceiling b − a at H = 0; \
    fitting the first 15% of a run predicts the rest. Synthetic check first (a = 0.12, b = 0.55, noise 1e-3, \
    docs/theory.md: â = 0.12000, b̂ = 0.55009); then simulated tabular runs (contextual bandit S = 50 × K = 10, 400 steps) \
    where the true ceiling is the expected reward of the greedy policy, Σ_s d(s) max_a r(s, a).
    """)

// 1. Synthetic check.
let g = MersenneTwister(seed: 0)
let hs = (0..<200).map { 2.0 * Double($0) / 199 }
let noisy = hs.map { -0.12 * Double.exp($0) + 0.55 + g.gaussian(standardDeviation: 1e-3) }
let synthetic = try EntropyPerformanceFit(entropies: hs, rewards: noisy)
try report.table(
  "Synthetic law a = 0.12, b = 0.55, noise σ = 1e-3 (200 points)", file: "synthetic",
  header: ["â", "b̂", "ceiling b̂ − â", "RMSE"],
  rows: [[fmt(synthetic.a, 5), fmt(synthetic.b, 5), fmt(synthetic.ceiling, 5), fmt(synthetic.rootMeanSquareError, 3)]])

// 2. Simulated runs.
let rules: [(String, UpdateRule, Double)] = [
  ("PG exact", .exact(.policyGradient), 2), ("NPG exact", .exact(.naturalPolicyGradient), 0.1),
  ("REINFORCE", .sampled(SampledUpdate(estimator: .reinforce)), 2), ("GRPO", .sampled(SampledUpdate()), 0.3),
  ("PPO-clip ×4", .sampled(SampledUpdate(epochs: 4)), 0.3),
]
var rows: [[String]] = []
var points: [[String]] = []
for (name, rule, eta) in rules {
  for seed in [0, 1, 2] as [UInt64] {
    let gen = MersenneTwister(seed: seed)
    let bandit = try ContextualBandit.random(states: 50, actions: 10, generator: gen)
    let z = (0..<50).map { _ in (0..<10).map { _ in gen.gaussian() } }
    let run = try TabularTrainer(environment: bandit, initialLogits: z, rule: rule, learningRate: eta, seed: seed &+ 1).run(steps: 400)
    let h = run.steps.map(\.entropy) + [run.finalEntropy]
    let r = run.steps.map(\.reward) + [run.finalReward]
    let fit = try EntropyPerformanceFit(entropies: h, rewards: r)
    let early = 60
    let earlyFit = try EntropyPerformanceFit(entropies: Array(h[..<early]), rewards: Array(r[..<early]))
    var sse = 0.0
    for i in early..<h.count { let e = earlyFit.predictedReward(atEntropy: h[i]) - r[i]; sse += e * e }
    let trueCeiling = zip(bandit.stateWeights, bandit.rewards).map { $0 * $1.max()! }.reduce(0, +)
    rows.append([name, "\(seed)", fmt(eta, 3), fmt(h.first!, 4), fmt(h.last!, 4), fmt(r.last!, 4), fmt(fit.a, 4), fmt(fit.b, 4),
                 fmt(fit.ceiling, 4), fmt(trueCeiling, 4), fmt(fit.rootMeanSquareError, 3), fmt((sse / Double(h.count - early)).squareRoot(), 3)])
    for i in stride(from: 0, to: h.count, by: 10) { points.append([name, "\(seed)", "\(i)", fmt(h[i], 10), fmt(r[i], 10)]) }
  }
}
try report.table(
  "Fits on simulated runs (400 steps; early fit = first 60 points ≈ 15%)", file: "fits",
  header: ["rule", "seed", "η", "H0", "H final", "J final", "a", "b", "ceiling b−a", "true max J", "RMSE fit", "RMSE early→rest"], rows: rows)
try report.csv(file: "points", header: ["rule", "seed", "step", "entropy", "reward"], rows: points)
report.note("""
  Reading: compare the fitted ceiling b − a with the true optimum Σ_s d(s) max_a r(s,a); the law is \
  an empirical regularity of LLM training, and in a tabular bandit it holds only approximately \
  (RMSE columns show how well).
  """)
try report.finish()
