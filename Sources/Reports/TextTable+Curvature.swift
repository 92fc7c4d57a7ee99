// DeltaH — entropy change of softmax policies.

import Curvature

extension TextTable {
  /// The terminal table of one ``CurvatureReport``: the position (when it comes from a dump), K,
  /// T, H, the Fisher trace, the leading Fisher eigenvalues, the bound λ_max(F) ≤ ½, the
  /// entropy-Hessian eigenvalues of largest magnitude and the method (dense or Lanczos). Numbers in
  /// ``NumberFormatting/terminal(_:digits:)`` (eigenvalues with 6 significant digits).
  ///
  /// - Complexity: O(top).
  public init(curvature report: CurvatureReport) {
    let f = NumberFormatting.terminal
    self.init("quantity", "value")
    if let position = report.position { append("position", "\(position)") }
    append("actions K", "\(report.actions)")
    append("temperature T", f(report.temperature, 10))
    append("entropy H (nats)", f(report.entropy, 10))
    append("Fisher trace 1 − Σπ²", f(report.fisherTrace, 10))
    append("Fisher eigenvalues (largest)", report.fisherEigenvalues.map { f($0, 6) }.joined(separator: ", "))
    append("λ_max(F) bound", "0.5")
    append("∇²H eigenvalues (largest |λ|)", report.entropyHessianEigenvalues.map { f($0, 6) }.joined(separator: ", "))
    append("method", report.method)
  }

  /// The terminal tables of a dump's positions (``init(curvature:)`` each), separated by a blank
  /// line, then T's source and the report's warnings, one `warning:` line each.
  ///
  /// - Complexity: O(positions · top).
  public static func curvature(_ report: DumpCurvatureReport) -> String {
    report.positions.map { TextTable(curvature: $0).rendered() }.joined(separator: "\n\n")
      + (report.temperatureSource.map { "\ntemperature source: \($0)" } ?? "")
      + (report.warnings ?? []).map { "\nwarning: \($0)" }.joined()
  }
}
