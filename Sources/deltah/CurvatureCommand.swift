// DeltaH — entropy change of softmax policies.

import ArgumentParser
import Curvature
import SoftmaxEntropy

struct CurvatureCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "curvature",
    abstract: "Fisher and entropy-Hessian spectra of one softmax policy.",
    discussion: """
      F = diag(π) − ππᵀ (eigenvalues in [0, ½]) and ∇²H (indefinite), both with respect to the \
      policy's logits z/T. Up to 512 actions the spectra come from dense dsyevd, above that from \
      Lanczos with full reorthogonalisation on O(K) products (Ritz residuals ≤ 1e-10·‖A‖).
      """)

  @Option(parsing: .unconditional, help: "Logits z, comma-separated.")
  var logits: VectorArgument

  @Option(help: "How many eigenvalues of each spectrum (1 ≤ k ≤ K).")
  var top: Int = 5

  @Option(help: "Temperature T > 0; the policy is softmax(z/T).")
  var temperature: Double = 1

  @Flag(help: "Print one JSON object instead of a table.")
  var json = false

  func run() throws {
    let policy = try SoftmaxPolicy(logits: logits.values, temperature: temperature)
    let c = try PositionCurvature(policy: policy, top: top)
    let report = CurvatureReport(
      actions: c.actionCount, temperature: temperature, entropy: c.entropy, fisherTrace: c.fisherTrace,
      fisherEigenvalues: c.fisherEigenvalues, entropyHessianEigenvalues: c.entropyHessianEigenvalues,
      lambdaMaxBound: PositionCurvature.fisherEigenvalueBound, method: c.method.rawValue)
    if json {
      try printJSON(report)
    } else {
      var t = TextTable("quantity", "value")
      t.append("actions K", "\(report.actions)")
      t.append("temperature T", formatNumber(temperature))
      t.append("entropy H (nats)", formatNumber(report.entropy))
      t.append("Fisher trace 1 − Σπ²", formatNumber(report.fisherTrace))
      t.append("Fisher eigenvalues (largest)", report.fisherEigenvalues.map { formatNumber($0, digits: 6) }.joined(separator: ", "))
      t.append("λ_max(F) bound", "0.5")
      t.append("∇²H eigenvalues (largest |λ|)", report.entropyHessianEigenvalues.map { formatNumber($0, digits: 6) }.joined(separator: ", "))
      t.append("method", report.method)
      print(t.rendered())
    }
  }
}

struct CurvatureReport: Encodable {
  let actions: Int
  let temperature: Double
  let entropy: Double
  let fisherTrace: Double
  let fisherEigenvalues: [Double]
  let entropyHessianEigenvalues: [Double]
  let lambdaMaxBound: Double
  let method: String

  enum CodingKeys: String, CodingKey {
    case actions, temperature, entropy, method
    case fisherTrace = "fisher_trace"
    case fisherEigenvalues = "fisher_eigenvalues"
    case entropyHessianEigenvalues = "entropy_hessian_eigenvalues"
    case lambdaMaxBound = "lambda_max_bound"
  }
}
