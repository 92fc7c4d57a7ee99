// DeltaH — entropy change of softmax policies.

import LogitKernels
import Testing
import _TestSupport

/// The AVX2 kernels accumulate exponential sums in float lanes (widened to double every 64
/// terms) and evaluate e^x in float; the scalar kernels work in double throughout. This suite
/// measures the largest difference between the two on the same stored rows, prints it
/// (`swift test --filter FloatLaneErrorBound`, the figures quoted in the README), and holds it to
/// the bound the README states.
@Suite("Float-lane error bound of the AVX2 kernels")
struct FloatLaneErrorBoundTests {
  @Test func avx2AgainstDoubleScalar() throws {
    try #require(LogitKernelPath.avx2.effective(for: .float32) == .avx2, "no AVX2 on this machine")
    var worst: [String: Double] = [:]
    func record(_ key: String, _ e: Double) { worst[key] = max(worst[key] ?? 0, e) }
    for type in [LogitElementType.float32, .bfloat16] {
      for (v, count) in [(1000, 16), (20_000, 8), (151_936, 3)] {
        // (0.5, 10): about half the mass on the peak and half spread over the vocabulary at
        // d ≈ −10, where E_π|d| is largest — the worst case for the float lanes' S1 = Σe·d.
        for (scale, peak) in [(0.5, 0.0), (2.0, 0.0), (5.0, 10.0), (20.0, 0.0), (1.0, 30.0), (0.5, 10.0)] {
          let rows = gaussianRows(count: count, vocabularySize: v, scale: scale, peak: peak, seed: UInt64(v) &+ UInt64(scale * 10))
          let encoded = EncodedRows(rows, as: type)
          let tokens = (0..<count).map { Int64(($0 * 7919) % v) }
          for t in [1.0, 0.7] {
            let fast = encoded.rowStatistics(temperature: t, tokens: tokens, threads: 1, kernel: .avx2)
            let exact = encoded.rowStatistics(temperature: t, tokens: tokens, threads: 1, kernel: .scalar)
            let moved = EncodedRows(rows.map { $0.map { $0 * 1.05 + 0.01 } }, as: type)
            let fastChange = changeStatistics(encoded, moved, temperature: t, kernel: .avx2)
            let exactChange = changeStatistics(encoded, moved, temperature: t, kernel: .scalar)
            for (f, e) in zip(fastChange, exactChange) {
              record("compare ΔH actual (abs)", abs(f.entropyChange - e.entropyChange))
              record("compare first order (abs)", abs(f.firstOrder - e.firstOrder))
              record("compare second order (abs)", abs(f.secondOrder - e.secondOrder))
              record("compare exact KL (abs)", abs(f.exactKL - e.exactKL))
            }
            for (f, e) in zip(fast, exact) {
              record("entropy (abs, nats)", abs(f.entropy - e.entropy))
              record("log-sum-exp (abs)", abs(f.logSumExp - e.logSumExp))
              record("sampled log π (abs)", abs(f.sampledLogProbability - e.sampledLogProbability))
              record("Σπ² (rel)", abs(f.sumSquaredProbabilities - e.sumSquaredProbabilities) / e.sumSquaredProbabilities)
              record("E_π[S] (abs)", abs(f.expectedDiscriminator - e.expectedDiscriminator))
            }
          }
        }
      }
    }
    for key in worst.keys.sorted() { print("float-lane error bound: \(key) max \(worst[key]!)") }
    // The README's statement: every statistic within 1e-5 of the double path (entropies up to
    // log 151,936 ≈ 11.9 nats, so ≈ 1e-6 relative).
    for (key, e) in worst { #expect(e <= 1e-5, "\(key): \(e)") }
  }
}
