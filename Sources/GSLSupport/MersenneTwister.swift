// DeltaH — entropy change of softmax policies.

import CGSL

/// GSL's mt19937 generator behind a small Swift API; the same seed gives the same stream, bit
/// for bit, on every machine.
///
/// Not thread-safe and not `Sendable`: give each thread (or each worker) its own generator,
/// seeded from the user's seed.
public final class MersenneTwister {
  @usableFromInline let state: UnsafeMutablePointer<gsl_rng>
  /// The seed the stream started from.
  public let seed: UInt64

  /// A generator seeded with `seed` (GSL's `gsl_rng_set`; mt19937 takes the low 32 bits, and seed
  /// 0 is GSL's default seed 4357).
  ///
  /// - Complexity: O(1) (the 624-word state).
  public init(seed: UInt64) {
    GSLErrorHandling.ensureTurnedOff()
    guard let rng = gsl_rng_alloc(cgsl_rng_mt19937()) else {
      fatalError("gsl_rng_alloc failed: out of memory")
    }
    state = rng
    self.seed = seed
    gsl_rng_set(rng, UInt(truncatingIfNeeded: seed))
  }

  deinit { gsl_rng_free(state) }

  /// The next raw 32-bit output.
  ///
  /// - Complexity: O(1).
  public func nextUInt32() -> UInt32 { UInt32(truncatingIfNeeded: gsl_rng_get(state)) }

  /// A uniform double in [0, 1) (`gsl_rng_uniform`).
  ///
  /// - Complexity: O(1).
  public func uniform() -> Double { gsl_rng_uniform(state) }

  /// A uniform double in (0, 1) (`gsl_rng_uniform_pos`), safe to take the log of.
  ///
  /// - Complexity: O(1).
  public func uniformPositive() -> Double { gsl_rng_uniform_pos(state) }

  /// A uniform integer in 0..<n (`gsl_rng_uniform_int`, unbiased by rejection).
  ///
  /// - Precondition: 0 < n ≤ 2³².
  /// - Complexity: O(1) expected.
  public func uniformInt(below n: Int) -> Int {
    precondition(n > 0 && UInt64(n) <= UInt64(UInt32.max) + 1, "uniformInt needs 0 < n ≤ 2^32, got \(n)")
    return Int(gsl_rng_uniform_int(state, UInt(n)))
  }

  /// A normal variate with mean `mean` and standard deviation `standardDeviation`
  /// (`gsl_ran_gaussian`, Box–Muller–Marsaglia polar method).
  ///
  /// - Complexity: O(1) expected.
  public func gaussian(mean: Double = 0, standardDeviation: Double = 1) -> Double {
    mean + gsl_ran_gaussian(state, standardDeviation)
  }

  /// An index i drawn with probability `weights[i] / Σ weights` by inverse-CDF search.
  ///
  /// - Precondition: weights are finite, non-negative and not all zero.
  /// - Complexity: O(K).
  public func categorical(_ weights: [Double]) -> Int {
    var total = 0.0
    for w in weights {
      precondition(w >= 0 && w.isFinite, "categorical weights must be finite and non-negative")
      total += w
    }
    precondition(total > 0, "categorical weights must not all be zero")
    let target = uniform() * total
    var running = 0.0
    var lastPositive = 0
    for (i, w) in weights.enumerated() where w > 0 {
      running += w
      lastPositive = i
      if target < running { return i }
    }
    return lastPositive  // rounding: target landed at the very top.
  }

  /// `count` distinct indices drawn uniformly without replacement from 0..<n, in draw order
  /// (a partial Fisher–Yates shuffle). Returns all n indices, shuffled, when `count ≥ n`.
  ///
  /// - Complexity: O(n).
  public func sampleWithoutReplacement(_ count: Int, from n: Int) -> [Int] {
    precondition(count >= 0 && n >= 0, "counts must be non-negative")
    var pool = Array(0..<n)
    let k = min(count, n)
    for i in 0..<k {
      let j = i + uniformInt(below: n - i)
      pool.swapAt(i, j)
    }
    return Array(pool.prefix(k))
  }
}
