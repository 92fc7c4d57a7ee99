// DeltaH — entropy change of softmax policies.

import DenseMatrix
import RealModule

extension SoftmaxPolicy {
  /// The centred log-probabilities u = log π + H (E_π[u] = 0).
  ///
  /// - Complexity: O(K).
  public var centredLogProbabilities: [Double] { logProbabilities.map { $0 + entropy } }

  /// The entropy discriminator S (Wang et al. 2602.03392):
  ///
  ///     Sᵢ = πᵢ (log πᵢ + H)
  ///
  /// Raising the single logit xᵢ by ε changes the entropy by −ε Sᵢ + O(ε²); Sᵢ > 0 exactly when
  /// πᵢ > e^(−H).
  ///
  /// - Complexity: O(K).
  public var entropyDiscriminator: [Double] {
    zip(probabilities, logProbabilities).map { p, l in p * (l + entropy) }
  }

  /// The expected discriminator, the state-wise correction of the polarity split:
  ///
  ///     E_π[S] = Σᵢ πᵢ² (log πᵢ + H) = Cov_π(π, log π) ≥ 0
  ///
  /// - Complexity: O(K).
  public var expectedEntropyDiscriminator: Double {
    compensatedSum(zip(probabilities, logProbabilities).lazy.map { p, l in p * p * (l + self.entropy) })
  }

  /// The entropy gradient with respect to the policy's logits x = z/T:
  ///
  ///     ∂H/∂xⱼ = −πⱼ (log πⱼ + H) = −Sⱼ,     Σⱼ ∂H/∂xⱼ = 0
  ///
  /// - Complexity: O(K).
  public var entropyGradient: [Double] { entropyDiscriminator.map { -$0 } }

  /// The weights shared by the entropy Hessian and its products:
  ///
  ///     w = π ⊙ (1 + log π + H),     ∇²H = −diag(w) + w πᵀ + π wᵀ − π πᵀ
  ///
  /// - Complexity: O(K).
  public var entropyHessianWeights: [Double] {
    zip(probabilities, logProbabilities).map { p, l in p * (1 + l + entropy) }
  }

  /// The entropy Hessian with respect to x = z/T, as a dense K×K matrix:
  ///
  ///     ∇²H = −diag(w) + w πᵀ + π wᵀ − π πᵀ,    w = π ⊙ (1 + log π + H)
  ///     (∇²H)ⱼₖ = −δⱼₖ πⱼ(1 + uⱼ) + πⱼπₖ(1 + uⱼ + uₖ),   ∇²H · 1 = 0
  ///
  /// The diagonal is evaluated as (∇²H)ⱼⱼ = −πⱼ [(1 − πⱼ) + uⱼ ((1 − πⱼ) − πⱼ)] with 1 − πⱼ taken
  /// without cancellation, so nearly deterministic policies keep relative accuracy.
  ///
  /// - Complexity: O(K²) time and memory; use ``entropyHessianVectorProduct(_:)`` for large K.
  public func entropyHessian() -> Matrix {
    let k = actionCount
    let p = probabilities
    let w = entropyHessianWeights
    var h = Matrix(rows: k, columns: k)
    for i in 0..<k {
      for j in 0..<k where j != i {
        h[i, j] = w[i] * p[j] + p[i] * w[j] - p[i] * p[j]
      }
      let c = complementProbability(i)
      let u = logProbabilities[i] + entropy
      h[i, i] = -p[i] * (c + u * (c - p[i]))
    }
    return h
  }

  /// The entropy Hessian-vector product without forming the matrix:
  ///
  ///     (∇²H) v = −w ⊙ v + w (πᵀv) + π (wᵀv) − π (πᵀv)
  ///
  /// evaluated at v − v_top·1 (the same product, since ∇²H·1 = 0) to avoid cancellation.
  ///
  /// - Precondition: `v.count == actionCount`.
  /// - Complexity: O(K).
  public func entropyHessianVectorProduct(_ v0: [Double]) -> [Double] {
    precondition(v0.count == actionCount, "vector has \(v0.count) elements, policy has \(actionCount) actions")
    let v = pivotShifted(v0)
    let p = probabilities
    let w = entropyHessianWeights
    let pv = compensatedDot(p, v)
    let wv = compensatedDot(w, v)
    return (0..<actionCount).map { i in -w[i] * v[i] + w[i] * pv + p[i] * (wv - pv) }
  }

  /// The entropy's quadratic form ½ vᵀ(∇²H)v, the second-order term of a logit step v:
  ///
  ///     ½ vᵀ(∇²H)v = ½ [ −Σᵢ wᵢvᵢ² + 2 (wᵀv)(πᵀv) − (πᵀv)² ]
  ///
  /// evaluated at v − v_top·1 (the same value, since ∇²H·1 = 0) to avoid cancellation.
  ///
  /// - Precondition: `v.count == actionCount`.
  /// - Complexity: O(K).
  public func entropySecondOrderTerm(_ v0: [Double]) -> Double {
    precondition(v0.count == actionCount, "vector has \(v0.count) elements, policy has \(actionCount) actions")
    let v = pivotShifted(v0)
    let w = entropyHessianWeights
    let pv = compensatedDot(probabilities, v)
    let wv = compensatedDot(w, v)
    let diagonal = compensatedSum((0..<actionCount).lazy.map { w[$0] * v[$0] * v[$0] })
    return 0.5 * (-diagonal + 2 * wv * pv - pv * pv)
  }

  /// The temperature derivative of the entropy of π_T = softmax(z/T):
  ///
  ///     dH/dT = Var_{π_T}(z) / T³ ≥ 0
  ///
  /// (from dH/dβ = −β Var_{π_β}(z) with β = 1/T).
  ///
  /// - Complexity: O(K).
  public var entropyTemperatureDerivative: Double {
    variance(logits) / (temperature * temperature * temperature)
  }
}
