// DeltaH — entropy change of softmax policies.

import RealModule
import _TestSupport

/// An independent, from-scratch implementation of the exact tabular updates and their entropy
/// predictions, written from the formulas of docs/theory.md#entropy-derivatives to #pg-npg, #entropy-bonus and #temperature-reinforcement without the library
/// (dense Hessian, plain sums). Its derivatives are checked against finite differences in
/// `ExactTrajectoryTests.referenceDerivativesMatchFiniteDifferences`.
enum Reference {
  enum Rule {
    case pg, npg
    case bonus(alpha: Double, natural: Bool)
    case temperature(alpha: Double, target: Double, high: Double, low: Double, natural: Bool)
  }

  struct Row { var entropy, reward, actual, first, second: Double }

  static func entropy(_ z: [Double]) -> Double { referenceEntropy(z) }

  /// ∂H/∂z_j = −π_j (log π_j + H).
  static func entropyGradient(_ z: [Double]) -> [Double] {
    let l = referenceLogSoftmax(z), h = entropy(z)
    return l.map { -Double.exp($0) * ($0 + h) }
  }

  /// ½ Δᵀ ∇²H Δ with the dense Hessian (∇²H)_jk = −δ_jk π_j(1 + u_j) + π_j π_k (1 + u_j + u_k).
  static func secondOrderTerm(_ z: [Double], _ d: [Double]) -> Double {
    let l = referenceLogSoftmax(z), h = entropy(z)
    let p = l.map { Double.exp($0) }, u = l.map { $0 + h }
    var q = 0.0
    for j in z.indices {
      for k in z.indices {
        let hjk = (j == k ? -p[j] * (1 + u[j]) : 0) + p[j] * p[k] * (1 + u[j] + u[k])
        q += hjk * d[j] * d[k]
      }
    }
    return 0.5 * q
  }

  /// The logit step of `rule` at logits z with rewards r, learning rate η, and (for the
  /// temperature rule) the current weighted entropy `h`.
  static func step(_ rule: Rule, z: [Double], r: [Double], eta: Double, h: Double) -> [Double] {
    let p = referenceSoftmax(z)
    let j = zip(p, r).map { $0 * $1 }.reduce(0, +)
    let a = r.map { $0 - j }
    switch rule {
    case .pg: return z.indices.map { eta * p[$0] * a[$0] }
    case .npg: return a.map { eta * $0 }
    case let .bonus(alpha, natural):
      if natural {
        let l = referenceLogSoftmax(z), hz = entropy(z)
        return z.indices.map { eta * (a[$0] - alpha * (l[$0] + hz)) }
      }
      let g = entropyGradient(z)
      return z.indices.map { eta * (p[$0] * a[$0] + alpha * g[$0]) }
    case let .temperature(alpha, target, high, low, natural):
      let t = h < target ? high : low
      let q = referenceSoftmax(z, temperature: t)
      return natural
        ? z.indices.map { eta * (a[$0] + alpha * q[$0] / p[$0]) }
        : z.indices.map { eta * (p[$0] * a[$0] + alpha * (q[$0] - p[$0])) }
    }
  }

  /// A one-state bandit trajectory: row i describes the update from step i to i + 1.
  static func trajectory(_ rule: Rule, z0: [Double], r: [Double], eta: Double, steps: Int) -> [Row] {
    var z = z0
    var rows: [Row] = []
    for _ in 0..<steps {
      let h = entropy(z)
      let p = referenceSoftmax(z)
      let d = step(rule, z: z, r: r, eta: eta, h: h)
      let g = entropyGradient(z)
      let first = zip(g, d).map { $0 * $1 }.reduce(0, +)
      let next = zip(z, d).map { $0 + $1 }
      rows.append(Row(
        entropy: h, reward: zip(p, r).map { $0 * $1 }.reduce(0, +), actual: entropy(next) - h, first: first,
        second: first + secondOrderTerm(z, d)))
      z = next
    }
    return rows
  }
}
