// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import RealModule
import SoftmaxEntropy

extension TabularTrainer {
  /// One exact step of `update` at every state; see ``ExactUpdate`` for the formulas. Flows split
  /// the first-order term per action, −S_a (Δz_a − E_π Δz), which is invariant to shifting Δz.
  func exactStep(
    _ update: ExactUpdate, currentEntropy: Double, advantages: [[Double]], discriminators: [[Double]]
  ) throws(TabularPolicyError) -> StepOutcome {
    var outcome = StepOutcome(policies: [])
    outcome.policies.reserveCapacity(policies.count)
    var temperature: Double? = nil
    if case .temperatureReinforcement(let t) = update {
      temperature = t.temperature(forEntropy: currentEntropy)
      outcome.temperature = temperature
    }
    let natural = update.isNatural
    for s in policies.indices {
      let pi = policies[s]
      let a = advantages[s]
      let eta = learningRate * stepFactor(state: s, natural: natural)
      let base = (natural ? PolicyGradientRule.naturalPolicyGradient : .policyGradient)
        .logitStep(for: pi, advantages: a, learningRate: eta)
      var step = base
      switch update {
      case .policyGradient, .naturalPolicyGradient:
        break
      case .entropyBonus(let alpha, _):
        let extra = natural ? pi.centredLogProbabilities.map { -$0 } : pi.entropyGradient
        for i in step.indices { step[i] += eta * alpha * extra[i] }
      case .temperatureReinforcement(let t):
        let q: SoftmaxPolicy
        do { q = try SoftmaxPolicy(logits: pi.logits, temperature: temperature!) } catch {
          throw TabularPolicyError(argument: "temperature", cause: .softmax(error))
        }
        for i in step.indices {
          let term = natural
            ? Double.exp(q.logProbabilities[i] - pi.logProbabilities[i])
            : q.probabilities[i] - pi.probabilities[i]
          step[i] += eta * t.coefficient * term
        }
      }
      let next: SoftmaxPolicy
      do { next = try pi.updated(byLogitStep: step) } catch {
        throw TabularPolicyError(argument: "logits[\(s)]", cause: .softmax(error), problemPrefix: "the update failed: ")
      }
      outcome.policies.append(next)
      let mean = pi.expectation(step)
      let disc = discriminators[s]
      let d = evaluation.stateWeights[s]
      for i in step.indices { outcome.addFlow(-disc[i] * (step[i] - mean), weight: d) }
    }
    return outcome
  }
}
