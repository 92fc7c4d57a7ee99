// DeltaH — entropy change of softmax policies.

import Reports
import ArgumentParser
import Curvature
import DumpAnalysis
import LogitDumps

struct CurvatureCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "curvature",
    abstract: "Fisher and entropy-Hessian spectra of one softmax policy, or of positions of a dump.",
    discussion: """
      F = diag(π) − ππᵀ (eigenvalues in [0, ½]) and ∇²H (indefinite), both with respect to the \
      policy's logits z/T. Up to 512 actions the spectra come from dense dsyevd, above that from \
      Lanczos with full reorthogonalisation on O(K) products (Ritz residuals ≤ 1e-10·‖A‖). \
      Either --logits, or a DUMP with --positions (flat indices; the dump's temperature applies \
      unless --temperature is given), which prints one entry per position.
      """)

  @Argument(help: "A logit dump (with --positions).")
  var dump: String?

  @Option(parsing: .unconditional, help: "Logits z, comma-separated.", transform: CheckedArgument.finiteList)
  var logits: [Double]?

  @Option(help: "Flat position indices of the dump, comma-separated.", transform: CheckedArgument.positionIndices)
  var positions: [Int]?

  @Option(help: "How many eigenvalues of each spectrum, 1 ≤ k ≤ K (default: 5).", transform: CheckedArgument.atLeastOne)
  var top: Int = 5

  @Option(
    parsing: .unconditional, help: "Temperature T > 0; the policy is softmax(z/T) (default: the dump's metadata 'temperature', else 1).",
    transform: CheckedArgument.temperature)
  var temperature: Double?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard (logits != nil) != (dump != nil) else { throw ValidationError("give either --logits or a DUMP with --positions") }
    if dump != nil, positions == nil { throw ValidationError("a DUMP needs --positions with non-negative integer indices") }
    if logits != nil, positions != nil { throw ValidationError("--positions selects rows of a DUMP; --logits is one policy") }
  }

  func run() throws {
    let d = try dump.map { try LogitDump(path: $0) }
    // k ≥ 1 is checked at parsing; k ≤ K here, in this layer's words (the library's error names no flag).
    if let actions = logits?.count ?? d?.vocabularySize, top > actions {
      throw ValidationError("--top \(top) is out of range: the policy has \(actions) actions (need 1 ≤ k ≤ \(actions))")
    }
    if let logits {
      let report = try CurvatureReport(logits: logits, temperature: temperature ?? 1, top: top)
      try output.print(report, kind: .curvature) { TextTable(curvature: report).rendered() }
    } else {
      let report = try DumpCurvatureReport(dump: d!, positions: positions!, temperature: temperature, top: top, dumpWarnings: d!.ignoredTensorWarnings)
      try output.print(report, kind: .curvatureDump, warnings: (report.warnings ?? []).map { "\(report.file): \($0)" }) { TextTable.curvature(report) }
    }
  }
}
