// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import EntropyDynamics
import SoftmaxEntropy

/// The tables of `deltah demo`: the worked example of the theory and the prediction accuracy of
/// checkpoint comparisons.
extension TextTable {
  /// The worked example of the theory on the softmax policy z = [2, 1, 0, −1] with rewards
  /// r = [1, 0, 0, 0], as text: the policy (π, log π, S = π(log π + H)), H and E_π[S]; the exact
  /// ΔH of one step of every ``PolicyGradientRule`` at η = 0.1 and 1 against its first
  /// (−Cov_π(log π, Δz)) and second-order predictions; the entropy polarity of each sampled token
  /// at A = +1, η = 0.1 (``EntropyPolarity``); and H and dH/dT = Var_π(z)/T³ at T = 0.8, 1, 1.2.
  ///
  /// - Throws: ``SoftmaxError`` never for these fixed inputs (finite logits, T > 0); the rules'
  ///   and polarity's errors likewise.
  /// - Complexity: O(1) (fixed four actions).
  public static func theoryExample() throws -> String {
    let logits = [2.0, 1, 0, -1]
    let rewards = [1.0, 0, 0, 0]
    let policy = try SoftmaxPolicy(logits: logits)
    var lines = ["DeltaH \(DeltaHVersion.string): entropy dynamics of the softmax policy z = [2, 1, 0, -1], rewards r = [1, 0, 0, 0]\n"]

    var p = Self("action", "z", "π", "log π", "S = π(log π + H)")
    for i in 0..<policy.actionCount {
      p.append(
        "\(i)", formatNumber(logits[i], digits: 3), formatNumber(policy.probabilities[i]),
        formatNumber(policy.logProbabilities[i]), formatNumber(policy.entropyDiscriminator[i]))
    }
    lines.append(p.rendered())
    lines.append("H = \(formatNumber(policy.entropy)) nats, e^(-H) = \(formatNumber(.exp(-policy.entropy))), E_π[S] = \(formatNumber(policy.expectedEntropyDiscriminator))\n")

    lines.append("Exact policy-gradient steps (Cui et al. 2025): first order −Cov_π(log π, Δz)")
    var g = Self("rule", "η", "ΔH actual", "first order", "second order", "|err 1st|", "|err 2nd|")
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
    lines.append(g.rendered() + "\n")

    lines.append("Entropy polarity of one sampled token, A = +1, η = 0.1: P = (α)(E_π[S] − S_k)")
    var t = Self("k", "π_k", "sampled term", "correction", "polarity", "ΔH actual", "quadrant")
    for k in 0..<policy.actionCount {
      let pol = try EntropyPolarity(policy: policy, token: k, advantage: 1, learningRate: 0.1)
      let c = try entropyChange(of: policy, logitStep: pol.logitStep(for: policy))
      t.append(
        "\(k)", formatNumber(pol.probability, digits: 4), formatNumber(pol.sampledTerm, digits: 6),
        formatNumber(pol.correctionTerm, digits: 6), formatNumber(pol.polarity), formatNumber(c.actual),
        pol.quadrant.rawValue)
    }
    lines.append(t.rendered() + "\n")

    lines.append("Temperature: H(softmax(z/T)) and dH/dT = Var_π(z)/T³")
    var temp = Self("T", "H", "dH/dT")
    for tau in [0.8, 1.0, 1.2] {
      let pt = try SoftmaxPolicy(logits: logits, temperature: tau)
      temp.append(formatNumber(tau, digits: 2), formatNumber(pt.entropy), formatNumber(pt.entropyTemperatureDerivative))
    }
    lines.append(temp.rendered())
    return lines.joined(separator: "\n")
  }

  /// One comparison's mean ΔH actual and predicted to first order (−Cov(log π, Δz/T)) and second
  /// order, with each prediction's Pearson correlation and RMSE against the actual per-position ΔH.
  ///
  /// - Complexity: O(1).
  public init(predictionOrders c: CheckpointComparison.Summary) {
    self.init("prediction", "mean ΔH", "Pearson with actual", "RMSE")
    append("actual", formatNumber(c.meanDeltaActual, digits: 6), "-", "-")
    append("first order −Cov(log π, Δz/T)", formatNumber(c.meanDeltaFirstOrder, digits: 6), c.pearsonFirstOrder.map { formatNumber($0, digits: 6) } ?? "-", formatNumber(c.rmseFirstOrder, digits: 4))
    append("second order", formatNumber(c.meanDeltaSecondOrder, digits: 6), c.pearsonSecondOrder.map { formatNumber($0, digits: 6) } ?? "-", formatNumber(c.rmseSecondOrder, digits: 4))
  }

  /// One row per optimizer step (numbered from 1): tokens, mean ΔH actual and first order, the
  /// Pearson correlations of the first- and second-order predictions and the sign agreement.
  ///
  /// - Complexity: O(steps).
  public init(predictionSteps steps: [CheckpointComparison.Summary]) {
    self.init("step", "tokens", "mean ΔH actual", "first order", "Pearson 1st", "Pearson 2nd", "sign agreement")
    for (i, c) in steps.enumerated() {
      append(
        "\(i + 1)", "\(c.tokens)", formatNumber(c.meanDeltaActual, digits: 6), formatNumber(c.meanDeltaFirstOrder, digits: 6),
        c.pearsonFirstOrder.map { formatNumber($0, digits: 4) } ?? "-", c.pearsonSecondOrder.map { formatNumber($0, digits: 4) } ?? "-",
        formatNumber(c.signAgreement, digits: 4))
    }
  }
}

/// ``NumberFormatting/terminal(_:digits:)``, the number format of every terminal table.
