// DeltaH — entropy change of softmax policies.

import Curvature
import DumpAnalysis
import FoundationEssentials
import LogitDumps
import PolicyCliff
import SoftmaxEntropy

/// What `deltah demo` prints and writes after the worked example (``TextTable/theoryExample()``):
/// the analysis and comparison of the bundled sample dumps, the before/after comparison of a real
/// network, and the one-page report of the sample.
public enum DemoRun {
  /// The sample dumps `step_0001…step_0003.safetensors` in `folder` (paths only; nothing is
  /// checked on disk).
  ///
  /// - Complexity: O(1).
  public static func sampleSteps(in folder: String) -> [String] {
    (1...3).map { "\(folder)/step_000\($0).safetensors" }
  }

  /// The sample sections as text: the summary of the first dump (as `deltah analyze` prints it),
  /// the entropy trajectory across the three steps, and the first- vs second-order prediction of
  /// the step 1 → 2 change (as `deltah compare`, with its warnings), each under a "== …" heading.
  ///
  /// - Throws: ``DumpError`` from the dumps and the errors of the analyses and the comparison.
  /// - Complexity: three analyses and one comparison of the sample dumps.
  public static func sampleSections(steps: [String]) throws -> String {
    let dump = try LogitDump(path: steps[0])
    let summary = try DumpPipeline.analyze(dump, settings: DumpAnalysisSettings()).summary
    let series = try DumpPipeline.analyze(paths: steps, settings: DumpAnalysisSettings())
    let after = try LogitDump(path: steps[1])
    let comparison = try CheckpointComparison.comparing(before: dump, after: after).summary  // T of the metadata, with the warnings
    return [
      "\n== Sample dump \(steps[0]) (deltah analyze)\n", TextTable.rendered(summary: summary),
      "\n== Entropy trajectory across the sample steps (deltah analyze step_*.safetensors)\n",
      TextTable.rendered(steps: series.summaries, seriesWarnings: series.warnings),
      "\n== First- vs second-order prediction of the step 1 → 2 change (deltah compare)\n",
      TextTable(predictionOrders: comparison).rendered() + (comparison.warnings ?? []).map { "\nwarning: \($0)" }.joined(),
    ].joined(separator: "\n")
  }

  /// First-order vs actual ΔH on a real network: the comparison of each before/after pair
  /// `step_00000{1,2,3}.{before,after}.safetensors` in `folder` (three TRL GRPO steps of a tiny
  /// random Qwen2), under a "== …" heading and followed by the comparisons' warnings; nil when a
  /// file is missing.
  ///
  /// - Throws: ``DumpError`` from the dumps and the errors of the comparisons.
  /// - Complexity: three comparisons.
  public static func realNetworkSection(folder: String) throws -> String? {
    let pairs = (1...3).map { ("\(folder)/step_00000\($0).before.safetensors", "\(folder)/step_00000\($0).after.safetensors") }
    guard pairs.allSatisfy({ FileManager.default.fileExists(atPath: $0.0) && FileManager.default.fileExists(atPath: $0.1) }) else {
      return nil
    }
    let summaries = try pairs.map { b, a in
      let before = try LogitDump(path: b)
      return try CheckpointComparison.comparing(before: before, after: LogitDump(path: a)).summary
    }
    // Each comparison's warnings (e.g. tensors of the dumps that were ignored), as `compare` prints them.
    return "\n== A real network: 3 GRPO steps of TRL on a tiny random Qwen2, before/after each optimizer step (deltah compare)\n\n"
      + TextTable(predictionSteps: summaries).rendered() + summaries.flatMap { $0.warnings ?? [] }.map { "\nwarning: \($0)" }.joined()
  }

  /// The one-page report of the sample (what `deltah report` writes for the three steps and the
  /// step 1 → 2 comparison, default settings), with the worked example's spectra and a
  /// policy-cliff curve at a tie.
  ///
  /// - Throws: the errors of ``RunReport/init(title:inputs:compare:settings:linearized:command:)``.
  /// - Complexity: that of the report plus O(1).
  public static func report(steps: [String]) throws -> RunReport {
    var r = try RunReport(title: "DeltaH demo: the bundled sample run", inputs: steps, compare: (steps[0], steps[1]), settings: DumpAnalysisSettings())
    let curvature = try PositionCurvature(policy: SoftmaxPolicy(logits: [2, 1, 0, -1]), top: 4)
    r.addSpectra(
      fisher: curvature.fisherEigenvalues, entropyHessian: curvature.entropyHessianEigenvalues,
      settings: [.init("logits", "2,1,0,-1"), .init("temperature", "1")])
    r.addPolicyCliff(try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1))
    return r
  }
}
