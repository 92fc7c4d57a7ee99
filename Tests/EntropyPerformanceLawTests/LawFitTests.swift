// DeltaH — entropy change of softmax policies.

import EntropyPerformanceLaw
import RealModule
import Testing
import _TestSupport

/// Synthetic logs R = b − a·e^H + noise along a falling entropy, as a training run would give.
func syntheticLog(a: Double, b: Double, noise: Double, count n: Int, seed: UInt64) -> LawObservations {
  var g = SplitMix64(seed: seed)
  let h = (0..<n).map { 2.0 - 1.7 * Double($0) / Double(n - 1) }  // 2.0 → 0.3 nats
  let r = h.map { b - a * Double.exp($0) + noise * g.normal() }
  return LawObservations(
    steps: (0..<n).map(Double.init), entropies: h, performances: r, source: "synthetic", format: "test",
    entropyColumn: "entropy", performanceColumn: "reward", stepColumn: "step")
}

@Suite("Entropy–performance law fit")
struct LawFitTests {
  @Test func exactDataGivesExactParameters() throws {
    // No noise: the least-squares line passes through every point; a, b exact up to rounding of
    // e^H and the sums (tolerance 1e-12 relative, far above double rounding for 20 points).
    let o = syntheticLog(a: 0.12, b: 0.55, noise: 0, count: 20, seed: 1)
    let law = try EntropyPerformanceLaw(observations: o, options: .init(bootstrapResamples: 50))
    #expect(abs(law.a - 0.12) < 1e-12)
    #expect(abs(law.b - 0.55) < 1e-12)
    #expect(abs(law.ceiling - 0.43) < 1e-12)
    #expect(law.fitRMSE < 1e-13)
    #expect(law.ceilingInterval.lower <= law.ceiling && law.ceiling <= law.ceilingInterval.upper)
    #expect(law.holdoutRMSE == nil)
  }

  @Test func intervalsCoverTheTrueParametersAtTheirNominalRate() throws {
    // 200 synthetic logs (60 steps, σ = 0.01), each with its own bootstrap seed. The 95 %
    // percentile-bootstrap intervals should contain the true a, b and ceiling in about 95 % of
    // them: with 200 trials the count is Binomial(200, 0.95), sd 3.1, so we accept 176…199
    // (≈ ±3.6 sd around 190; the percentile bootstrap runs slightly below nominal at n = 60, so
    // the band is not centred tighter than that). Bootstrap B = 400 keeps the test fast.
    let a = 0.12, b = 0.55
    var covered = (a: 0, b: 0, c: 0)
    var widths: [Double] = []
    for seed in 0..<200 as Range<UInt64> {
      let o = syntheticLog(a: a, b: b, noise: 0.01, count: 60, seed: 1000 + seed)
      let law = try EntropyPerformanceLaw(observations: o, options: .init(bootstrapResamples: 400, seed: seed))
      if law.aInterval.contains(a) { covered.a += 1 }
      if law.bInterval.contains(b) { covered.b += 1 }
      if law.ceilingInterval.contains(b - a) { covered.c += 1 }
      widths.append(law.ceilingInterval.upper - law.ceilingInterval.lower)
      // The bootstrap interval and the least-squares standard error describe the same spread:
      // the interval's width is within a factor 2 of 2·1.96·se.
      let ratio = (law.ceilingInterval.upper - law.ceilingInterval.lower) / (2 * 1.96 * law.ceilingStandardError)
      #expect(ratio > 0.5 && ratio < 2, "seed \(seed): bootstrap width / normal width = \(ratio)")
    }
    #expect((176...199).contains(covered.a), "a covered \(covered.a)/200")
    #expect((176...199).contains(covered.b), "b covered \(covered.b)/200")
    #expect((176...199).contains(covered.c), "ceiling covered \(covered.c)/200")
    // An interval that always covers because it is huge would pass the band; the ceiling is
    // known to ±0.02 here (noise 0.01 over 60 points).
    #expect(widths.max()! < 0.1)
  }

  @Test func sameSeedSameResultDifferentSeedDifferentInterval() throws {
    let o = syntheticLog(a: 0.2, b: 0.8, noise: 0.02, count: 40, seed: 7)
    let x = try EntropyPerformanceLaw(observations: o, options: .init(bootstrapResamples: 300, seed: 3))
    let y = try EntropyPerformanceLaw(observations: o, options: .init(bootstrapResamples: 300, seed: 3))
    let z = try EntropyPerformanceLaw(observations: o, options: .init(bootstrapResamples: 300, seed: 4))
    #expect(x == y)
    #expect(x.ceilingInterval != z.ceilingInterval)
    #expect(x.a == z.a && x.b == z.b)
  }

  @Test func fitFractionHoldsOutTheLaterSteps() throws {
    // Independent check of the holdout numbers: refit the first 15 points by the closed-form
    // least-squares formulas and evaluate on the rest (tolerance 1e-12: same data, different sums).
    let o = syntheticLog(a: 0.1, b: 0.6, noise: 0.01, count: 100, seed: 11)
    let law = try EntropyPerformanceLaw(observations: o, options: .init(fitFraction: 0.15, bootstrapResamples: 100))
    #expect(law.fitCount == 15 && law.count == 100 && law.holdoutCount == 85)
    let x = o.entropies.map { Double.exp($0) }, y = o.performances
    let m = 15
    let mx = x[..<m].reduce(0, +) / Double(m), my = y[..<m].reduce(0, +) / Double(m)
    var sxy = 0.0, sxx = 0.0
    for i in 0..<m { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx) }
    let slope = sxy / sxx, intercept = my - slope * mx
    #expect(abs(law.a + slope) < 1e-12 && abs(law.b - intercept) < 1e-12)
    let errors = (m..<100).map { intercept + slope * x[$0] - y[$0] }
    let rmse = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
    #expect(abs(law.holdoutRMSE! - rmse) < 1e-12)
    #expect(abs(law.holdoutMaxError! - errors.map(abs).max()!) < 1e-12)
    #expect(abs(law.holdoutFinalError! - errors.last!) < 1e-12)
    #expect(law.points.filter(\.fitted).count == 15)
  }

  @Test func tooFewPointsAndBadFractionsAreNamed() throws {
    let o = syntheticLog(a: 0.1, b: 0.6, noise: 0, count: 2, seed: 1)
    #expect(throws: LawError(source: "synthetic", problem: "2 points; the law needs at least 3")) {
      try EntropyPerformanceLaw(observations: o)
    }
    let ten = syntheticLog(a: 0.1, b: 0.6, noise: 0, count: 10, seed: 1)
    let error = #expect(throws: LawError.self) { try EntropyPerformanceLaw(observations: ten, options: .init(fitFraction: 0.2)) }
    #expect(error?.source == "fit fraction")  // the library names the setting, not a CLI flag
    var flat = ten
    flat.entropies = Array(repeating: 1, count: 10)
    let e2 = #expect(throws: LawError.self) { try EntropyPerformanceLaw(observations: flat) }
    #expect(e2?.problem.contains("does not vary") == true)
    var huge = ten
    huge.entropies[3] = 800
    let e3 = #expect(throws: LawError.self) { try EntropyPerformanceLaw(observations: huge) }
    #expect(e3?.problem.contains("overflows") == true)
  }

  @Test func risingPerformanceWithEntropyIsWarned() throws {
    let o = syntheticLog(a: -0.1, b: 0.6, noise: 0.001, count: 20, seed: 2)
    let law = try EntropyPerformanceLaw(observations: o, options: .init(bootstrapResamples: 50))
    #expect(law.a < 0)
    #expect(law.warnings.contains { $0.contains("≤ 0") })
  }
}
