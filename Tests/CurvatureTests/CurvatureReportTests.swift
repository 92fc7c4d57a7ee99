// DeltaH — entropy change of softmax policies.

import Curvature
import Foundation
import LogitDumps
import Testing

/// The library-owned result of `deltah curvature`: its JSON keys (which `deltah report` and the
/// CLI tests read) and a lossless round trip.
@Suite struct CurvatureReportTests {
  static func keys(_ value: some Encodable) throws -> Set<String> {
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as! [String: Any]
    return Set(object.keys)
  }

  @Test func keysAndRoundTrip() throws {
    let report = try CurvatureReport(logits: [2, 1, 0, -1], temperature: 1, top: 2)
    #expect(report.actions == 4 && report.fisherEigenvalues.count == 2 && report.lambdaMaxBound == 0.5)
    #expect(try Self.keys(report) == [
      "actions", "temperature", "entropy", "method", "fisher_trace", "fisher_eigenvalues",
      "entropy_hessian_eigenvalues", "lambda_max_bound",
    ])  // no "position" for a policy given by its logits
    let decoded = try JSONDecoder().decode(CurvatureReport.self, from: JSONEncoder().encode(report))
    #expect(decoded == report)

    let dump = try DumpCurvatureReport(
      file: "x.safetensors", temperature: 0.7, positions: [3, 1], rows: [[1, 0, 0], [0, 0, 2]], top: 1)
    #expect(try Self.keys(dump) == ["file", "temperature", "positions"])
    #expect(dump.positions.map(\.position) == [3, 1] && dump.positions.allSatisfy { $0.temperature == 0.7 })
    #expect(try JSONDecoder().decode(DumpCurvatureReport.self, from: JSONEncoder().encode(dump)) == dump)
  }

  /// A one-action policy's spectra are +0, not −0 (the entropy Hessian's came out of LAPACK as −0
  /// and `curvature --logits 3` printed it).
  @Test func zeroEigenvaluesArePositiveZero() throws {
    let report = try CurvatureReport(logits: [3], temperature: 1, top: 1)
    #expect(report.entropyHessianEigenvalues == [0] && report.fisherEigenvalues == [0])
    #expect((report.entropyHessianEigenvalues + report.fisherEigenvalues).allSatisfy { $0.sign == .plus })
  }

  @Test func badInputsAreTypedErrors() {
    #expect(throws: CurvatureError.softmax(.invalidTemperature(0))) {
      try CurvatureReport(logits: [1, 2], temperature: 0, top: 1)
    }
    #expect(throws: CurvatureError.self) { try CurvatureReport(logits: [1, 2], temperature: 1, top: 3) }
  }
}

@Suite("Curvature of a dump's positions")
struct DumpCurvatureReportTests {
  static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/sample/step_0001.safetensors").path

  @Test func positionsOfADumpAreItsRowsAtItsTemperature() throws {
    let dump = try LogitDump(path: Self.sample)
    let report = try DumpCurvatureReport(dump: dump, positions: [7, 9], temperature: nil, top: 3)
    let rows = try dump[.logits]!.doubleRows([7, 9])
    let direct = try DumpCurvatureReport(file: dump.path, temperature: dump.temperature, positions: [7, 9], rows: rows, top: 3)
    // Same rows, same T: the same spectra bit for bit; the dump's report also says where T came from.
    #expect(report.positions == direct.positions && report.temperature == direct.temperature && report.file == direct.file)
    #expect(report.temperatureSource == "metadata" && report.warnings == [])
  }

  @Test func aPositionOutOfRangeIsTheNestedDumpError() throws {
    let dump = try LogitDump(path: Self.sample)
    let e = #expect(throws: CurvatureError.self) { try DumpCurvatureReport(dump: dump, positions: [1_000_000], temperature: nil, top: 1) }
    guard case .dump(let inner)? = e else {
      Issue.record("expected .dump, got \(String(describing: e))")
      return
    }
    #expect(e?.description == inner.description && inner.file == dump.path)
  }
}
