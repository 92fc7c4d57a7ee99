// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Foundation
import LogitDumps
import SoftmaxEntropy
import Testing
import _TestSupport

@Suite("compare --linearized: Lemma 1 on J·Δθ and the three-part decomposition")
struct LinearizedComparisonTests {
  let fixtures = DumpFixtures()
  static let (b, t, v) = (3, 4, 70)
  static let temperature = 0.8

  /// Independent reference: −(1/T) Σ πᵢ (log πᵢ + H) vᵢ from the test suite's own log-softmax.
  static func reference(_ z: [Double], _ dir: [Double], _ temperature: Double) -> Double {
    let logp = referenceLogSoftmax(z, temperature: temperature)
    let h = -logp.map { Double.exp($0) * $0 }.reduce(0, +)
    return -zip(logp, dir).map { Double.exp($0.0) * ($0.0 + h) * $0.1 }.reduce(0, +) / temperature
  }

  /// Before, after = before + a small step, and a jvp dump with a random direction (F64 or F32).
  func dumps(seed: UInt64, jvpFloat32: Bool, direction: ((Int) -> Double)? = nil) throws -> (LogitDump, LogitDump, LogitDump, DumpFixtures.Batch, [Double]) {
    let before = DumpFixtures.randomBatch(b: Self.b, t: Self.t, v: Self.v, seed: seed)
    var rng = SplitMix64(seed: seed + 1)
    var after = before
    after.logits = before.logits.map { $0 + 0.05 * rng.normal() }
    var jvp = before
    jvp.logits = (0..<before.logits.count).map { direction?($0) ?? 0.05 * rng.normal() }
    if jvpFloat32 { jvp.logits = jvp.logits.map { Double(Float($0)) } }
    let a = try LogitDump(path: fixtures.write(before, name: "before-\(seed).safetensors", temperature: Self.temperature))
    let c = try LogitDump(path: fixtures.write(after, name: "after-\(seed).safetensors", temperature: Self.temperature))
    let j = try LogitDump(path: fixtures.write(jvp, name: "step-\(seed).jvp.safetensors", float32: jvpFloat32, temperature: Self.temperature))
    return (a, c, j, before, jvp.logits)
  }

  /// Per position against the Double reference (F64 and F32 jvp rows; relative 1e-11 of the
  /// row's |v|-weighted scale: only Double rounding separates the two), and the decomposition
  /// actual = L + N + R per position and in the means.
  @Test(arguments: [false, true]) func matchesIndependentDoubleReference(jvpFloat32: Bool) throws {
    let (a, c, j, before, dir) = try dumps(seed: 21, jvpFloat32: jvpFloat32)
    let comparison = try CheckpointComparison(before: a, after: c, temperature: Self.temperature)
    let l = try LinearizedComparison(comparison: comparison, before: a, jvp: j, temperature: Self.temperature)
    let n = Self.b * Self.t, v = Self.v
    var expected: [Double] = [], actual: [Double] = []
    for i in 0..<n {
      guard before.mask[i] == 1 else {
        #expect(l.deltaLinearizedFirstOrder[i].isNaN && !l.valid[i])
        continue
      }
      let z = Array(before.logits[(i * v)..<((i + 1) * v)]), d = Array(dir[(i * v)..<((i + 1) * v)])
      let e = Self.reference(z, d, Self.temperature)
      #expect(abs(l.deltaLinearizedFirstOrder[i] - e) <= 1e-11 * max(1e-3, abs(e)), "position \(i): \(l.deltaLinearizedFirstOrder[i]) vs \(e)")
      // The static row function is the same computation.
      #expect(abs(LinearizedComparison.firstOrder(logits: z, direction: d, temperature: Self.temperature) - e) <= 1e-11 * max(1e-3, abs(e)))
      let parts = l.deltaLinearizedFirstOrder[i] + l.logitNonlinearity[i] + l.secondOrderRemainder[i]
      #expect(abs(parts - comparison.deltaActual[i]) <= 1e-14)
      expected.append(e)
      actual.append(comparison.deltaActual[i])
    }
    let s = l.summary
    #expect(s.linearizedTokens == expected.count && s.linearizedTokens == comparison.summary.tokens)
    #expect(abs(s.meanDeltaLinearizedFirstOrder - expected.reduce(0, +) / Double(expected.count)) <= 1e-13)
    #expect(abs(s.pearsonLinearizedFirstOrder! - pearsonCorrelation(expected, actual)!) <= 1e-9)
    let rmse = (zip(expected, actual).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(actual.count)).squareRoot()
    #expect(abs(s.rmseLinearizedFirstOrder - rmse) <= 1e-12)
    #expect(abs(s.meanDeltaLinearizedFirstOrder + s.meanLogitNonlinearity + s.meanSecondOrderRemainder - s.meanDeltaActualLinearizedTokens) <= 1e-14)
    #expect(abs(s.meanDeltaActualLinearizedTokens - comparison.summary.meanDeltaActual) <= 1e-15)
    #expect(abs(s.shareExplainedLinearizedFirstOrder! - s.meanDeltaLinearizedFirstOrder / comparison.summary.meanDeltaActual) <= 1e-15)
    #expect(s.warnings.isEmpty && s.nonFiniteLinearizedRows == 0)
  }

  /// With J·Δθ = Δz exactly (F64), L is the kernel's first order on Δz: two implementations,
  /// one number (1e-9: the kernel forms Δz/T from two rows), and the nonlinearity vanishes.
  @Test func linearisedEqualsLemmaOneWhenTheChangeIsLinear() throws {
    let before = DumpFixtures.randomBatch(b: Self.b, t: Self.t, v: Self.v, seed: 31)
    var rng = SplitMix64(seed: 32)
    let step = before.logits.map { _ in 0.1 * rng.normal() }
    var after = before, jvp = before
    after.logits = zip(before.logits, step).map { $0 + $1 }
    jvp.logits = zip(after.logits, before.logits).map { $0 - $1 }  // Δz as the kernel sees it
    let a = try LogitDump(path: fixtures.write(before, name: "lin-before.safetensors"))
    let c = try LogitDump(path: fixtures.write(after, name: "lin-after.safetensors"))
    let j = try LogitDump(path: fixtures.write(jvp, name: "lin.jvp.safetensors"))
    let comparison = try CheckpointComparison(before: a, after: c, temperature: 1)
    let l = try LinearizedComparison(comparison: comparison, before: a, jvp: j, temperature: 1)
    for i in 0..<(Self.b * Self.t) where l.valid[i] {
      #expect(abs(l.deltaLinearizedFirstOrder[i] - comparison.deltaFirstOrder[i]) <= 1e-9)
      #expect(abs(l.logitNonlinearity[i]) <= 1e-9)
    }
  }

  /// Lemma 1 ignores a constant shift of the direction and of the logits, even at logits of 1e4
  /// (centred two-pass sums; a one-pass E[dv] − E[d]E[v] would lose all digits here).
  @Test func invariantUnderShiftsAtLargeScale() {
    var rng = SplitMix64(seed: 41)
    let z = (0..<200).map { _ in 8 * rng.normal() }
    let d = (0..<200).map { _ in rng.normal() }
    let base = LinearizedComparison.firstOrder(logits: z, direction: d, temperature: 1.3)
    let shifted = LinearizedComparison.firstOrder(logits: z.map { $0 + 1e4 }, direction: d.map { $0 + 1e4 }, temperature: 1.3)
    #expect(abs(base - Self.reference(z, d, 1.3)) <= 1e-12 * max(1, abs(base)))
    #expect(abs(shifted - base) <= 1e-9 * max(1, abs(base)))
    #expect(LinearizedComparison.firstOrder(logits: [3], direction: [5], temperature: 1) == 0)
    #expect(LinearizedComparison.firstOrder(logits: [0, .nan], direction: [0, 1], temperature: 1).isNaN)
  }

  /// A jvp dump of other positions, another vocabulary or other tokens is refused with its name.
  @Test func mismatchedJVPFileIsNamed() throws {
    let (a, c, _, before, _) = try dumps(seed: 51, jvpFloat32: true)
    let comparison = try CheckpointComparison(before: a, after: c, temperature: Self.temperature)
    var short = before
    short.v = Self.v - 1
    short.logits = Array(before.logits.prefix(Self.b * Self.t * (Self.v - 1)))
    let s = try LogitDump(path: fixtures.write(short, name: "short.jvp.safetensors"))
    #expect {
      _ = try LinearizedComparison(comparison: comparison, before: a, jvp: s, temperature: Self.temperature)
    } throws: { ($0 as? DumpError).map { $0.file == s.path && $0.problem.contains("shape") } ?? false }
    var otherTokens = before
    otherTokens.tokens[2] += 1
    let o = try LogitDump(path: fixtures.write(otherTokens, name: "tokens.jvp.safetensors"))
    #expect {
      _ = try LinearizedComparison(comparison: comparison, before: a, jvp: o, temperature: Self.temperature)
    } throws: { ($0 as? DumpError).map { $0.file == o.path && $0.problem.contains("differs") } ?? false }
  }

  /// A NaN in one jvp row excludes that position, counts it and says so in a warning.
  @Test func nonFiniteJVPRowIsExcludedWithAWarning() throws {
    let (a, c, _, before, dir) = try dumps(seed: 61, jvpFloat32: false)
    var bad = before
    bad.logits = dir
    bad.logits[Self.v + 3] = .nan  // position 1
    let j = try LogitDump(path: fixtures.write(bad, name: "nan.jvp.safetensors", temperature: Self.temperature))
    let comparison = try CheckpointComparison(before: a, after: c, temperature: Self.temperature)
    let l = try LinearizedComparison(comparison: comparison, before: a, jvp: j, temperature: Self.temperature)
    #expect(!l.valid[1] && l.deltaLinearizedFirstOrder[1].isNaN)
    #expect(l.summary.nonFiniteLinearizedRows == 1)
    #expect(l.summary.linearizedTokens == comparison.summary.tokens - 1)
    #expect(l.summary.warnings.contains { $0.contains("NaN/Inf") && $0.contains(j.path) })
    #expect(l.summary.meanDeltaLinearizedFirstOrder.isFinite)
  }
}
