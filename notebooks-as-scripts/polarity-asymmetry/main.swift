// DeltaH — entropy change of softmax policies.
//
// Claim reproduced: entropy polarity (docs/theory.md#polarity; PAPO / Wang et al. 2602.03392 as
// summarised): a sampled-token update with A > 0 expands entropy when log π_k < −H (always), and
// also in the band −H < log π_k with S_k < E_π[S] created by the distributional correction;
// it contracts when S_k > E_π[S]. Signs flip for A < 0.

import _NotebookSupport
import EntropyDynamics
import GSLSupport
import RealModule
import SoftmaxEntropy

let report = try NotebookReport(
  name: "polarity-asymmetry",
  claim: """
    Claim (docs/theory.md#polarity): the first-order change of reinforcing sampled token k with step α is \
    P = α (E_π[S] − S_k), S_k = π_k (log π_k + H). For A > 0: (i) log π_k < −H ⇒ expansion; (ii) log π_k > −H \
    but S_k < E_π[S] ⇒ expansion (the band); (iii) S_k > E_π[S] ⇒ contraction; A < 0 flips every sign. \
    The band example π = [0.45, 0.35, 0.10, 0.10], token 1, α = 1e-3 predicts +2.515e-5 (actual +2.500e-5).
    """)

func region(_ p: EntropyPolarity) -> String {
  if !p.isAboveThreshold { return "i: log π < −H" }
  return p.discriminator < p.expectedDiscriminator ? "ii: band" : "iii: S_k > E S"
}

// 1. The worked examples of docs/theory.md#quadrants, token by token.
var rows: [[String]] = []
for (label, z, alpha) in [("z = [2,1,0,−1]", [2.0, 1, 0, -1], 0.1), ("band π = [.45,.35,.1,.1]", [0.45, 0.35, 0.1, 0.1].map { Double.log($0) }, 1e-3)] {
  let policy = try SoftmaxPolicy(logits: z)
  for k in 0..<policy.actionCount {
    for sign in [1.0, -1.0] {
      let pol = try EntropyPolarity(policy: policy, token: k, advantage: sign, learningRate: alpha)
      let actual = try entropyChange(of: policy, logitStep: pol.logitStep(for: policy)).actual
      rows.append([label, "\(k)", sign > 0 ? "+" : "−", fmt(pol.probability, 4), fmt(pol.logProbability + pol.entropy, 4),
                   fmt(pol.discriminator, 5), fmt(pol.expectedDiscriminator, 5), fmt(pol.polarity, 5), fmt(actual, 5),
                   region(pol), pol.polarity > 0 ? "expand" : "contract", (pol.polarity > 0) == (actual > 0) ? "yes" : "NO"])
    }
  }
}
try report.table(
  "Worked examples (docs/theory.md#quadrants): every token, A = ±1", file: "spec-examples",
  header: ["policy", "k", "A", "π_k", "log π_k + H", "S_k", "E S", "predicted", "actual", "region", "sign", "agrees"], rows: rows)

// 2. Random states: how often each region occurs and expands, and how often the sign is right.
let g = MersenneTwister(seed: 0)
var counts: [String: (n: Int, expand: Int, agree: Int, maxGain: Double)] = [:]
var bandAgree = 0, bandTotal = 0
for _ in 0..<3000 {
  let k = 2 + g.uniformInt(below: 19)
  let scale = 0.5 + 3 * g.uniform()
  let policy = try SoftmaxPolicy(logits: (0..<k).map { _ in scale * g.gaussian() })
  let token = g.categorical(policy.probabilities)
  for sign in [1.0, -1.0] {
    let pol = try EntropyPolarity(policy: policy, token: token, advantage: sign, learningRate: 1e-3)
    let actual = try entropyChange(of: policy, logitStep: pol.logitStep(for: policy)).actual
    let key = "\(sign > 0 ? "A>0" : "A<0"), \(region(pol))"
    // maxGain starts at −∞: where every P is negative (A < 0 in regions i and ii, A > 0 in iii) the
    // column used to read 0, the initial value, instead of the largest P/α.
    var c = counts[key, default: (0, 0, 0, -.infinity)]
    c.n += 1
    if actual > 0 { c.expand += 1 }
    if (actual > 0) == (pol.polarity > 0) { c.agree += 1 }
    c.maxGain = max(c.maxGain, pol.polarity / 1e-3)
    counts[key] = c
    if region(pol) == "ii: band" { bandTotal += 1; if (actual > 0) == (pol.polarity > 0) { bandAgree += 1 } }
  }
}
try report.table(
  "3000 random states (K ∈ 2…20, sampled token, α = ±1e-3): regions and actual outcomes", file: "regions",
  header: ["advantage, region", "tokens", "actual expands", "sign agrees", "max P/α"],
  rows: counts.keys.sorted().map { key in
    let c = counts[key]!
    return [key, "\(c.n)", "\(c.expand)", "\(c.agree)", fmt(c.maxGain, 4)]
  })

// 3. A probability sweep at fixed entropy context: one token's probability varies, others share the rest.
var sweep: [[String]] = []
for i in 1..<40 {
  let p = Double(i) / 40
  let rest = (1 - p) / 4
  let policy = try SoftmaxPolicy(logits: [p, rest, rest, rest, rest].map { Double.log($0) })
  let pol = try EntropyPolarity(policy: policy, token: 0, advantage: 1, learningRate: 1)
  sweep.append([fmt(p, 3), fmt(Double.exp(-policy.entropy), 4), fmt(pol.discriminator, 5), fmt(pol.expectedDiscriminator, 5), fmt(pol.polarity, 5), region(pol)])
}
try report.table(
  "Sweep: π_0 = p, four other actions share 1 − p; A = +1, α = 1", file: "probability-sweep",
  header: ["p", "e^−H", "S_0", "E S", "P", "region"], rows: sweep)
report.note("""
  Reading: with A > 0, region i always expands and region iii always contracts; the band (region ii) \
  expands although log π_k > −H, because the correction α E_π[S] outweighs the sampled-token term. \
  Band tokens whose predicted and actual signs agree: \(bandAgree)/\(bandTotal).
  """)
try report.finish()
