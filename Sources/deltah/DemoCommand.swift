// DeltaH — entropy change of softmax policies.

import ArgumentParser
import Curvature
import DumpAnalysis
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
    print(try TextTable.theoryExample())
    let steps = (1...3).map { "\(data)/step_000\($0).safetensors" }
    guard steps.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else {
      throw ValidationError("sample dumps not found in \(data); run from the repository root or pass --data")
    }
    print("\n== Sample dump \(steps[0]) (deltah analyze)\n")
    let dump = try LogitDump(path: steps[0])
    print(TextTable.rendered(summary: try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings()).summary))
    print("\n== Entropy trajectory across the sample steps (deltah analyze step_*.safetensors)\n")
    let series = try DumpPipeline.analyze(paths: steps, settings: DumpAnalysisSettings())
    print(TextTable.rendered(steps: series.summaries, seriesWarnings: series.warnings))
    print("\n== First- vs second-order prediction of the step 1 → 2 change (deltah compare)\n")
    let after = try LogitDump(path: steps[1])
    print(TextTable(predictionOrders: try CheckpointComparison(before: dump, after: after, temperature: dump.temperature).summary).rendered())
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
    let summaries = try pairs.map { b, a in
      let before = try LogitDump(path: b)
      return try CheckpointComparison(before: before, after: LogitDump(path: a), temperature: before.temperature).summary
    }
    print(TextTable(predictionSteps: summaries).rendered())
  }
}
