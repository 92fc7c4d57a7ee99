// DeltaH — entropy change of softmax policies.

import ArgumentParser
import Curvature
import LogitDumps
import SoftmaxEntropy

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

  @Option(parsing: .unconditional, help: "Logits z, comma-separated.")
  var logits: VectorArgument?

  @Option(help: "Flat position indices of the dump, comma-separated.")
  var positions: VectorArgument?

  @Option(help: "How many eigenvalues of each spectrum (1 ≤ k ≤ K).")
  var top: Int = 5

  @Option(parsing: .unconditional, help: "Temperature T > 0; the policy is softmax(z/T) (default: the dump's metadata 'temperature', else 1).")
  var temperature: Double?

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    if let temperature { try AnalysisSettings.checkTemperature(temperature, argument: "--temperature") }
    guard (logits != nil) != (dump != nil) else {
      throw ValidationError("give either --logits or a DUMP with --positions")
    }
    if dump != nil {
      guard let positions else { throw ValidationError("a DUMP needs --positions with non-negative integer indices") }
      for v in positions.values where !(v >= 0 && Int(exactly: v) != nil) {
        throw ValidationError("--positions: \(v) is not a non-negative integer position index")
      }
    }
  }

  func run() throws {
    if let logits {
      let report = try Self.report(logits: logits.values, temperature: temperature ?? 1, top: top, position: nil)
      if json { try printJSON(report) } else { print(report.table()) }
      return
    }
    let d = try LogitDump(path: dump!)
    guard let tensor = d[.logits] else {
      throw DumpError(file: d.path, tensor: "logits", problem: "curvature needs full logits")
    }
    let indices = positions!.values.map { Int($0) }
    let rows = try tensor.doubleRows(indices)
    let t = temperature ?? d.temperature
    let reports = try zip(indices, rows).map { try Self.report(logits: $1, temperature: t, top: top, position: $0) }
    if json {
      try printJSON(DumpCurvatureReport(file: d.path, temperature: t, positions: reports))
    } else {
      print(reports.map { $0.table() }.joined(separator: "\n\n"))
    }
  }

  static func report(logits: [Double], temperature: Double, top: Int, position: Int?) throws -> CurvatureReport {
    let policy = try SoftmaxPolicy(logits: logits, temperature: temperature)
    let c = try PositionCurvature(policy: policy, top: top)
    return CurvatureReport(
      position: position, actions: c.actionCount, temperature: temperature, entropy: c.entropy,
      fisherTrace: c.fisherTrace, fisherEigenvalues: c.fisherEigenvalues,
      entropyHessianEigenvalues: c.entropyHessianEigenvalues,
      lambdaMaxBound: PositionCurvature.fisherEigenvalueBound, method: c.method.rawValue)
  }
}

struct DumpCurvatureReport: Encodable {
  let file: String
  let temperature: Double
  let positions: [CurvatureReport]
}

extension CurvatureReport {
  func table() -> String {
    var t = TextTable("quantity", "value")
    if let position { t.append("position", "\(position)") }
    t.append("actions K", "\(actions)")
    t.append("temperature T", formatNumber(temperature))
    t.append("entropy H (nats)", formatNumber(entropy))
    t.append("Fisher trace 1 − Σπ²", formatNumber(fisherTrace))
    t.append("Fisher eigenvalues (largest)", fisherEigenvalues.map { formatNumber($0, digits: 6) }.joined(separator: ", "))
    t.append("λ_max(F) bound", "0.5")
    t.append("∇²H eigenvalues (largest |λ|)", entropyHessianEigenvalues.map { formatNumber($0, digits: 6) }.joined(separator: ", "))
    t.append("method", method)
    return t.rendered()
  }
}

struct CurvatureReport: Encodable {
  let position: Int?
  let actions: Int
  let temperature: Double
  let entropy: Double
  let fisherTrace: Double
  let fisherEigenvalues: [Double]
  let entropyHessianEigenvalues: [Double]
  let lambdaMaxBound: Double
  let method: String

  enum CodingKeys: String, CodingKey {
    case position, actions, temperature, entropy, method
    case fisherTrace = "fisher_trace"
    case fisherEigenvalues = "fisher_eigenvalues"
    case entropyHessianEigenvalues = "entropy_hessian_eigenvalues"
    case lambdaMaxBound = "lambda_max_bound"
  }
}
