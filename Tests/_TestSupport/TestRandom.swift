// DeltaH — entropy change of softmax policies.

import RealModule

/// A small deterministic generator for tests (SplitMix64), so test inputs do not depend on the
/// library under test.
public struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A standard normal variate (Box–Muller).
  public mutating func normal() -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let u2 = Double.random(in: 0..<1, using: &self)
    return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * u2)
  }

  /// K logits ~ scale · N(0, 1).
  public mutating func logits(count: Int, scale: Double) -> [Double] {
    (0..<count).map { _ in scale * normal() }
  }
}

/// Reference log-softmax by the definition, written independently of the library:
/// log π_i = (x_i − m) − log(Σ_j e^{x_j − m}) with x = z/T, m = max x, where the sum is split as
/// 1 + Σ_{j ≠ argmax} e^{x_j − m} and its log taken by log1p, so that nearly deterministic policies
/// keep full relative accuracy (finite differences of H need it when H ~ 1e-9).
public func referenceLogSoftmax(_ z: [Double], temperature: Double = 1) -> [Double] {
  let x = z.map { $0 / temperature }
  let top = x.indices.max { x[$0] < x[$1] }!
  let rest = x.indices.filter { $0 != top }.map { Double.exp(x[$0] - x[top]) }.reduce(0, +)
  let logSum = Double.log(onePlus: rest)
  return x.map { ($0 - x[top]) - logSum }
}

/// Reference softmax entropy H = −Σ π_i log π_i from ``referenceLogSoftmax(_:temperature:)``.
public func referenceEntropy(_ z: [Double], temperature: Double = 1) -> Double {
  referenceLogSoftmax(z, temperature: temperature).map { l in -Double.exp(l) * l }.reduce(0, +)
}

/// Reference softmax probabilities by the definition.
public func referenceSoftmax(_ z: [Double], temperature: Double = 1) -> [Double] {
  referenceLogSoftmax(z, temperature: temperature).map { Double.exp($0) }
}

/// π − e_top: the softmax with 1 subtracted at the most probable action, the top entry computed as
/// −Σ_{j≠top} π_j. Same Jacobian as π, but without the cancellation of 1 − π_top, so finite
/// differences stay accurate when π_top ≈ 1.
public func referenceSoftmaxMinusTop(_ z: [Double], temperature: Double = 1) -> [Double] {
  var p = referenceSoftmax(z, temperature: temperature)
  let top = z.indices.max { z[$0] < z[$1] }!
  p[top] = -p.indices.filter { $0 != top }.map { p[$0] }.reduce(0, +)
  return p
}
