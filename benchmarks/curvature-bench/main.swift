// DeltaH — entropy change of softmax policies.
//
// Benchmark for issue 5 (run through benchmarks/curvature.sh, release build, one OpenBLAS thread):
//   * top-5 Lanczos eigenvalues (largest |λ|) of the entropy Hessian at V = 151,936 through O(V)
//     Hessian-vector products — target < 0.5 s on one core;
//   * top-5 Fisher eigenvalues at the same V;
//   * dense eigenproblems at K = 2,000 (dsyevd) — target: seconds — and Lanczos agreement there.

import Curvature
import DenseLinearAlgebra
import Foundation
import GSLSupport
import SoftmaxEntropy

func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Median wall time of `repeats` runs, and the last result.
func time<T>(_ repeats: Int, _ body: () throws -> T) rethrows -> (Double, T) {
  var times: [Double] = []
  var last: T? = nil
  let clock = ContinuousClock()
  for _ in 0..<repeats {
    let start = clock.now
    last = try body()
    times.append(seconds(clock.now - start))
  }
  times.sort()
  return (times[times.count / 2], last!)
}

/// LM-like logit rows: Gaussian logits (scale s), and a Zipf-shaped row z = −a·log(rank) + noise.
func logits(_ kind: String, count v: Int, seed: UInt64) -> [Double] {
  let rng = MersenneTwister(seed: seed)
  switch kind {
  case "gaussian-2": return (0..<v).map { _ in 2 * rng.gaussian() }
  case "gaussian-4": return (0..<v).map { _ in 4 * rng.gaussian() }
  default:
    var z = (0..<v).map { -1.2 * log(Double($0 + 1)) + 0.5 * rng.gaussian() }
    for i in stride(from: v - 1, to: 0, by: -1) { z.swapAt(i, rng.uniformInt(below: i + 1)) }
    return z
  }
}

let v = 151_936
print("OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
print("\n== Lanczos at V = \(v) (median of 5 runs; tolerance 1e-10·‖A‖ on Ritz residuals) ==")
for kind in ["gaussian-2", "gaussian-4", "zipf"] {
  let policy = try SoftmaxPolicy(logits: logits(kind, count: v, seed: 7))
  let (tOp, hessian) = time(5) { EntropyHessianOperator(policy: policy) }
  var x = [Double](repeating: 1e-3, count: v)
  var y = [Double](repeating: 0, count: v)
  let (tHVP, _) = time(21) {
    x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in hessian.apply(xp, into: yp) } }
    x[0] = y[0]
  }
  let (tH, rH) = try time(5) {
    try LanczosEigensolver().eigenpairs(of: hessian, count: 5, selection: .largestMagnitude)
  }
  let fisher = FisherOperator(policy: policy)
  let (tF, rF) = try time(5) { try LanczosEigensolver().eigenpairs(of: fisher, count: 5, selection: .largest) }
  print("\(kind): H = \(String(format: "%.4f", policy.entropy)) nats, π_max = \(String(format: "%.4g", policy.probabilities.max()!))")
  print(String(format: "  operator setup %.2f ms, one HVP %.3f ms", tOp * 1e3, tHVP * 1e3))
  print(String(format: "  ∇²H top-5 |λ|: %.3f s, %d steps, %d restarts, max residual/‖T‖ %.1e", tH, rH.steps, rH.restarts, rH.residualNorms.max()! / rH.normEstimate))
  print("    λ = " + rH.eigenvalues.map { String(format: "%.10e", $0) }.joined(separator: ", "))
  print(String(format: "  F top-5:       %.3f s, %d steps, max residual/‖T‖ %.1e", tF, rF.steps, rF.residualNorms.max()! / rF.normEstimate))
  print("    λ = " + rF.eigenvalues.map { String(format: "%.10e", $0) }.joined(separator: ", "))
}

print("\n== Dense at K = 2000 (dsyevd, eigenvalues only; median of 3) ==")
let k = 2_000
let small = try SoftmaxPolicy(logits: logits("gaussian-2", count: k, seed: 11))
let (tBuild, hDense) = time(3) { small.entropyHessian() }
let (tEig, all) = try time(3) { try SymmetricEigendecomposition(hDense).eigenvalues }
let (tVec, _) = try time(1) { try SymmetricEigendecomposition(hDense, computeEigenvectors: true) }
let (tMat, _) = time(1) { EntropyHessianOperator(policy: small).materialised() }
print(String(format: "  build ∇²H %.3f s, dsyevd eigenvalues %.3f s, with eigenvectors %.3f s, materialise via %d HVPs %.3f s", tBuild, tEig, tVec, k, tMat))
let ref = all.sorted { abs($0) > abs($1) }.prefix(5)
let (tL, lz) = try time(3) {
  try LanczosEigensolver().eigenpairs(of: EntropyHessianOperator(policy: small), count: 5, selection: .largestMagnitude)
}
let err = zip(lz.eigenvalues, ref).map { abs($0 - $1) }.max()! / all.map(abs).max()!
print(String(format: "  Lanczos top-5 |λ| %.4f s (%d steps); max |Lanczos − dsyevd| / max|λ| = %.1e", tL, lz.steps, err))
