// DeltaH — entropy change of softmax policies.

import ArgumentParser
import EntropyDynamics
import SoftmaxEntropy

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "A worked example of the theory on a small policy (z = [2, 1, 0, −1]).")

  func run() throws {
    let logits = [2.0, 1, 0, -1]
    let rewards = [1.0, 0, 0, 0]
    let policy = try SoftmaxPolicy(logits: logits)
    print("DeltaH \(DeltaHVersion.string): entropy dynamics of the softmax policy z = [2, 1, 0, -1], rewards r = [1, 0, 0, 0]\n")

    var p = TextTable("action", "z", "π", "log π", "S = π(log π + H)")
    for i in 0..<policy.actionCount {
      p.append(
        "\(i)", formatNumber(logits[i], digits: 3), formatNumber(policy.probabilities[i]),
        formatNumber(policy.logProbabilities[i]), formatNumber(policy.entropyDiscriminator[i]))
    }
    print(p.rendered())
    print("H = \(formatNumber(policy.entropy)) nats, e^(-H) = \(formatNumber(.exp(-policy.entropy))), E_π[S] = \(formatNumber(policy.expectedEntropyDiscriminator))\n")

    print("Exact policy-gradient steps (Cui et al. 2025): first order −Cov_π(log π, Δz)")
    var g = TextTable("rule", "η", "ΔH actual", "first order", "second order", "|err 1st|", "|err 2nd|")
    for rule in PolicyGradientRule.allCases {
      for lr in [0.1, 1.0] {
        let step = try rule.logitStep(for: policy, rewards: rewards, learningRate: lr)
        let c = try entropyChange(of: policy, logitStep: step)
        g.append(
          rule.rawValue, formatNumber(lr, digits: 2), formatNumber(c.actual), formatNumber(c.firstOrder),
          formatNumber(c.secondOrder), formatNumber(abs(c.firstOrder - c.actual), digits: 3),
          formatNumber(abs(c.secondOrder - c.actual), digits: 3))
      }
    }
    print(g.rendered() + "\n")

    print("Entropy polarity of one sampled token, A = +1, η = 0.1: P = (α)(E_π[S] − S_k)")
    var t = TextTable("k", "π_k", "sampled term", "correction", "polarity", "ΔH actual", "quadrant")
    for k in 0..<policy.actionCount {
      let pol = try EntropyPolarity(policy: policy, token: k, advantage: 1, learningRate: 0.1)
      let c = try entropyChange(of: policy, logitStep: pol.logitStep(for: policy))
      t.append(
        "\(k)", formatNumber(pol.probability, digits: 4), formatNumber(pol.sampledTerm, digits: 6),
        formatNumber(pol.correctionTerm, digits: 6), formatNumber(pol.polarity), formatNumber(c.actual),
        pol.quadrant.rawValue)
    }
    print(t.rendered() + "\n")

    print("Temperature: H(softmax(z/T)) and dH/dT = Var_π(z)/T³")
    var temp = TextTable("T", "H", "dH/dT")
    for tau in [0.8, 1.0, 1.2] {
      let pt = try SoftmaxPolicy(logits: logits, temperature: tau)
      temp.append(formatNumber(tau, digits: 2), formatNumber(pt.entropy), formatNumber(pt.entropyTemperatureDerivative))
    }
    print(temp.rendered())
  }
}
