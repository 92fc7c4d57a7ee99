// DeltaH — entropy change of softmax policies.

import ArgumentParser
import Curvature
import DumpAnalysis
import EntropyDynamics
import FoundationEssentials
import LogitDumps
import PolicyCliff
import Reports
import SoftmaxEntropy

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "A worked example of the theory, then an analysis of the bundled sample dumps.",
    discussion: "The sample dumps (data/sample, made by scripts/make-sample-data.py) are looked up in --data.")

  @Option(help: "Folder with the sample dumps step_0001…step_0003.safetensors.")
  var data: String = "data/sample"

  @Option(help: "Folder with the real-network sample step_00000{1,2,3}.{before,after}.safetensors (scripts/make-trl-sample.py).")
  var realData: String = "data/trl-tiny"

  @Option(help: "Where to write the HTML report of the sample (its folder is created).")
  var report: String = "out/demo/report.html"

  func run() throws {
    try theoryExample()
    let steps = (1...3).map { "\(data)/step_000\($0).safetensors" }
    guard steps.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else {
      throw ValidationError("sample dumps not found in \(data); run from the repository root or pass --data")
    }
    print("\n== Sample dump \(steps[0]) (deltah analyze)\n")
    let dump = try LogitDump(path: steps[0])
    let settings = try AnalysisSettings.parse([])
    print(SummaryFormatting.table(try DumpPipeline.analyze(dump, settings: settings.pipeline).summary))

    print("\n== Entropy trajectory across the sample steps (deltah analyze step_*.safetensors)\n")
    let series = try DumpPipeline.analyze(paths: steps, settings: settings.pipeline)
    print(SummaryFormatting.stepTable(series.summaries, seriesWarnings: series.warnings))

    print("\n== First- vs second-order prediction of the step 1 → 2 change (deltah compare)\n")
    let after = try LogitDump(path: steps[1])
    let c = try CheckpointComparison(before: dump, after: after, temperature: dump.temperature).summary
    var t = TextTable("prediction", "mean ΔH", "Pearson with actual", "RMSE")
    t.append("actual", formatNumber(c.meanDeltaActual, digits: 6), "-", "-")
    t.append("first order −Cov(log π, Δz/T)", formatNumber(c.meanDeltaFirstOrder, digits: 6), c.pearsonFirstOrder.map { formatNumber($0, digits: 6) } ?? "-", formatNumber(c.rmseFirstOrder, digits: 4))
    t.append("second order", formatNumber(c.meanDeltaSecondOrder, digits: 6), c.pearsonSecondOrder.map { formatNumber($0, digits: 6) } ?? "-", formatNumber(c.rmseSecondOrder, digits: 4))
    print(t.rendered())

    try realNetworkComparison()

    // The one-page report of the sample (what `deltah report` writes), with the worked example's
    // spectra and a policy-cliff curve at a tie.
    var r = try ReportCommand.build(
      title: "DeltaH demo: the bundled sample run", inputs: steps, compare: (steps[0], steps[1]), settings: AnalysisSettings.parse([]))
    let curvature = try PositionCurvature(policy: SoftmaxPolicy(logits: [2, 1, 0, -1]), top: 4)
    r.addSpectra(
      fisher: curvature.fisherEigenvalues, entropyHessian: curvature.entropyHessianEigenvalues,
      settings: [.init("logits", "2,1,0,-1"), .init("temperature", "1")])
    r.addPolicyCliff(try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1))
    try ReportCommand.writeAtomically(r.html(), to: report)
    print("\n== Report\n\nwrote \(report): tables and figures of the sample (open it in a browser; `deltah report` makes these)")
  }

  /// First-order vs actual ΔH on a real network: `deltah compare` on each before/after pair of the
  /// three TRL GRPO steps of a tiny random Qwen2 in `--real-data` (written by
  /// `scripts/make-trl-sample.py`). A missing folder is reported and the section skipped.
  private func realNetworkComparison() throws {
    let pairs = (1...3).map { ("\(realData)/step_00000\($0).before.safetensors", "\(realData)/step_00000\($0).after.safetensors") }
    guard pairs.allSatisfy({ FileManager.default.fileExists(atPath: $0.0) && FileManager.default.fileExists(atPath: $0.1) }) else {
      print("\n(real-network sample not found in \(realData): section skipped; pass --real-data)")
      return
    }
    print("\n== A real network: 3 GRPO steps of TRL on a tiny random Qwen2, before/after each optimizer step (deltah compare)\n")
    var t = TextTable("step", "tokens", "mean ΔH actual", "first order", "Pearson 1st", "Pearson 2nd", "sign agreement")
    for (i, (b, a)) in pairs.enumerated() {
      let before = try LogitDump(path: b)
      let c = try CheckpointComparison(before: before, after: LogitDump(path: a), temperature: before.temperature).summary
      t.append(
        "\(i + 1)", "\(c.tokens)", formatNumber(c.meanDeltaActual, digits: 6), formatNumber(c.meanDeltaFirstOrder, digits: 6),
        c.pearsonFirstOrder.map { formatNumber($0, digits: 4) } ?? "-", c.pearsonSecondOrder.map { formatNumber($0, digits: 4) } ?? "-",
        formatNumber(c.signAgreement, digits: 4))
    }
    print(t.rendered())
  }

  private func theoryExample() throws {
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
