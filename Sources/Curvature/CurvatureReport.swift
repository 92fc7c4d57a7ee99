// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The curvature summary of one softmax policy, as `deltah curvature --json` prints it: the
/// leading Fisher and entropy-Hessian eigenvalues (docs/theory.md#curvature), from
/// ``PositionCurvature``.
///
/// JSON fields (``CodingKeys``): `position` (flat dump index; absent for a policy given by its
/// logits), `actions` (K), `temperature` (T), `entropy` (H in nats), `fisher_trace` (1 − Σπ²),
/// `fisher_eigenvalues` (the `top` largest, descending), `entropy_hessian_eigenvalues` (the `top`
/// largest in magnitude), `lambda_max_bound` (½, the bound on λ_max(F)), `method` (`dense` or
/// `lanczos`).
public struct CurvatureReport: Sendable, Equatable, Codable {
  /// The flat position index in a dump, or nil for a policy given by its logits.
  public let position: Int?
  /// K, the number of actions.
  public let actions: Int
  /// T: the policy is softmax(z/T).
  public let temperature: Double
  /// H, in nats.
  public let entropy: Double
  /// tr F = 1 − Σπ².
  public let fisherTrace: Double
  /// The largest Fisher eigenvalues, descending.
  public let fisherEigenvalues: [Double]
  /// The entropy-Hessian eigenvalues of largest magnitude.
  public let entropyHessianEigenvalues: [Double]
  /// ½, the bound λ_max(F) ≤ ½ (``PositionCurvature/fisherEigenvalueBound``).
  public let lambdaMaxBound: Double
  /// How the spectra were computed (``PositionCurvature/Method`` raw value).
  public let method: String

  /// The JSON keys; unchanged from the first `deltah curvature --json`.
  public enum CodingKeys: String, CodingKey {
    case position, actions, temperature, entropy, method
    case fisherTrace = "fisher_trace"
    case fisherEigenvalues = "fisher_eigenvalues"
    case entropyHessianEigenvalues = "entropy_hessian_eigenvalues"
    case lambdaMaxBound = "lambda_max_bound"
  }

  /// The summary of softmax(logits/T) with the `top` leading eigenvalues of each spectrum.
  ///
  /// - Throws: `CurvatureError.softmax` for a policy that cannot be formed (non-finite logits,
  ///   T ≤ 0), `.invalidArgument` for `top` ∉ [1, K], and the other errors of ``PositionCurvature``.
  /// - Complexity: as ``PositionCurvature/init(policy:top:solver:denseLimit:)``.
  public init(logits: [Double], temperature: Double, top: Int, position: Int? = nil) throws(CurvatureError) {
    let policy: SoftmaxPolicy
    do {
      policy = try SoftmaxPolicy(logits: logits, temperature: temperature)
    } catch {
      throw .softmax(error)
    }
    let c = try PositionCurvature(policy: policy, top: top)
    self.position = position
    actions = c.actionCount
    self.temperature = temperature
    entropy = c.entropy
    fisherTrace = c.fisherTrace
    fisherEigenvalues = c.fisherEigenvalues
    entropyHessianEigenvalues = c.entropyHessianEigenvalues
    lambdaMaxBound = PositionCurvature.fisherEigenvalueBound
    method = c.method.rawValue
  }
}

/// The curvature summaries of several positions of one logit dump, as
/// `deltah curvature DUMP --positions … --json` prints it.
///
/// JSON fields (``CodingKeys``): `file` (the dump's path), `temperature` (T applied to every row),
/// `temperature_source` (`flag`, `metadata` or `default`), `positions` (one ``CurvatureReport`` per
/// requested position, in the requested order), `warnings` (what the reader of the numbers should
/// know: a defaulted or overridden T, tensors of the dump that were ignored). Files written before
/// `temperature_source` and `warnings` existed read with both nil.
public struct DumpCurvatureReport: Sendable, Equatable, Codable {
  /// The dump's path.
  public let file: String
  /// T, applied to every row.
  public let temperature: Double
  /// Where T came from: "flag", "metadata" or "default" (nil when not recorded).
  public var temperatureSource: String?
  /// One summary per position, in the requested order.
  public let positions: [CurvatureReport]
  /// Warnings about the dump and the settings behind the numbers (nil when not recorded).
  public var warnings: [String]?

  /// The JSON keys.
  public enum CodingKeys: String, CodingKey {
    case file, temperature, positions, warnings
    case temperatureSource = "temperature_source"
  }

  /// The summaries of `rows` (the logit rows at flat positions `positions`, same order).
  ///
  /// - Precondition: `rows.count == positions.count`.
  /// - Throws: as ``CurvatureReport/init(logits:temperature:top:position:)``, for the first row
  ///   that fails.
  /// - Complexity: the sum over the rows.
  public init(file: String, temperature: Double, positions: [Int], rows: [[Double]], top: Int) throws(CurvatureError) {
    precondition(rows.count == positions.count, "\(rows.count) rows for \(positions.count) positions")
    self.file = file
    self.temperature = temperature
    var reports: [CurvatureReport] = []
    for (position, row) in zip(positions, rows) {
      reports.append(try CurvatureReport(logits: row, temperature: temperature, top: top, position: position))
    }
    self.positions = reports
  }
}
