// DeltaH — entropy change of softmax policies.

import PolicyCliff
import RealModule
import SoftmaxEntropy
import Testing
import _TestSupport

/// A random MDP with S states and A actions, Dirichlet-like transition rows.
func randomMDP(_ rng: inout SplitMix64, states: Int, actions: Int, gamma: Double) throws -> TabularMDP {
  var p: [[[Double]]] = []
  var r: [[Double]] = []
  for _ in 0..<states {
    var block: [[Double]] = []
    for _ in 0..<actions {
      let w = (0..<states).map { _ in -Double.log(Double.random(in: 1e-12..<1, using: &rng)) }
      let total = w.reduce(0, +)
      var row = w.map { $0 / total }
      row[0] += 1 - row.reduce(0, +)  // exact normalisation to rounding
      block.append(row)
    }
    p.append(block)
    r.append(rng.logits(count: actions, scale: 1))
  }
  return try TabularMDP(rewards: r, transitions: p, discount: gamma)
}

func supDistance(_ a: [[Double]], _ b: [[Double]]) -> Double {
  zip(a, b).map { maxAbsoluteDifference($0, $1) }.max()!
}

@Suite("Policy cliff: tabular MDPs")
struct MDPCliffTests {
  @Test func singleStateClosedForm() throws {
    // One state, self-loops: Q*(a) = R(a) + γ·max Q*/… ⇒ Q* = [1/(1−γ), γ/(1−γ)] = [10, 9].
    let mdp = try TabularMDP(rewards: [[1, 0]], transitions: [[[1], [1]]], discount: 0.9)
    for method in TabularMDP.OptimalValueMethod.allCases {
      let q = try mdp.optimalQ(method: method)
      #expect(maxAbsoluteDifference(q[0], [10, 9]) < 1e-10, "\(method)")
    }
    let s = try MDPStability(mdp: mdp, alpha: 0.5)
    #expect(abs(s.minimumMargin - 1) < 1e-10)
    #expect(abs(s.greedyStabilityRadius - 0.05) < 1e-11)
    #expect(abs(s.lipschitzTV - 10) < 1e-12)
    // Soft optimum of one self-looping state: V = α log Σ e^{Q/α}, Q = R + γV ⇒
    // V = α log Σ e^{R/α} / (1 − γ) and π = softmax(R/α).
    let expected = referenceSoftmax([1, 0], temperature: 0.5)
    #expect(maxAbsoluteDifference(s.softPolicy[0], expected) < 1e-12)
  }

  @Test func valueIterationAgreesWithPolicyIteration() throws {
    var rng = SplitMix64(seed: 201)
    for gamma in [0.0, 0.5, 0.9, 0.97] {
      let mdp = try randomMDP(&rng, states: 6, actions: 4, gamma: gamma)
      let vi = try mdp.optimalQ(method: .valueIteration)
      let pi = try mdp.optimalQ(method: .policyIteration)
      // Both stop with error ≤ 1e-12·scale/(1 − γ) (VI a posteriori, PI exact to dgesv rounding).
      #expect(supDistance(vi, pi) < 1e-10 / (1 - gamma))
      // Bellman optimality residual of the policy-iteration Q*.
      let v = pi.map { $0.max()! }
      for s in 0..<6 {
        for a in 0..<4 {
          let backup = mdp.rewards[s][a] + gamma * zip(mdp.transitions[s][a], v).map { $0 * $1 }.reduce(0, +)
          #expect(abs(backup - pi[s][a]) < 1e-12 / (1 - gamma))
        }
      }
      // Soft Q → Q* as α → 0 with 0 ≤ Q_α − Q* ≤ α log A/(1 − γ).
      for alpha in [1.0, 0.1, 0.01] {
        let soft = try mdp.softQ(alpha: alpha)
        for s in 0..<6 {
          for a in 0..<4 {
            let d = soft[s][a] - pi[s][a]
            #expect(d >= -1e-10 && d <= alpha * Double.log(4) / (1 - gamma) + 1e-10)
          }
        }
      }
    }
  }

  @Test func perturbationsRespectRadiusAndLipschitzBound() throws {
    var rng = SplitMix64(seed: 211)
    for trial in 0..<40 {
      let gamma = [0.0, 0.6, 0.9][trial % 3]
      let alpha = [0.1, 0.5, 2][trial % 3]
      let mdp = try randomMDP(&rng, states: 4, actions: 3, gamma: gamma)
      let base = try MDPStability(mdp: mdp, alpha: alpha, tolerance: 0)
      let size = [1e-3, 1e-2, 0.1][trial % 3]
      let dr = mdp.rewards.map { row in row.map { _ in size * (2 * Double.random(in: 0..<1, using: &rng) - 1) } }
      let norm = dr.flatMap { $0 }.map(abs).max()!
      let moved = try TabularMDP(
        rewards: zip(mdp.rewards, dr).map { zip($0, $1).map { $0 + $1 } }, transitions: mdp.transitions, discount: gamma)
      let after = try MDPStability(mdp: moved, alpha: alpha, tolerance: 0)
      // Soft policy: per-state TV ≤ ‖ΔR‖∞/(2α(1 − γ)) (Policy Cliff Prop 4.5).
      for s in 0..<4 {
        #expect(totalVariation(base.softPolicy[s], after.softPolicy[s]) <= norm * base.lipschitzTV * (1 + 1e-9))
      }
      // Q* moves by at most ‖ΔR‖∞/(1 − γ) (Prop 2.1) and, below the radius, no argmax changes.
      #expect(supDistance(base.optimalQ, after.optimalQ) <= norm / (1 - gamma) * (1 + 1e-9) + 1e-12)
      if norm < base.greedyStabilityRadius {
        #expect(zip(base.margins, after.margins).allSatisfy { $0.tiedActions == $1.tiedActions })
      }
    }
  }

  @Test func tieBreakerCliff() throws {
    // Two absorbing states; state 0 has two actions with identical outcomes (a tie). An additive
    // reward of size ε on action 1 makes it strictly optimal (Policy Cliff Prop 3.2): the greedy
    // policy jumps by TV 1 while the soft policy moves by at most ε/(2α(1 − γ)).
    let p: [[[Double]]] = [[[0, 1], [0, 1]], [[0, 1], [0, 1]]]
    let mdp = try TabularMDP(rewards: [[1, 1], [0, 0]], transitions: p, discount: 0.8)
    let base = try MDPStability(mdp: mdp, alpha: 0.1)
    #expect(base.margins[0].ties == 2 && base.hasTie && base.greedyStabilityRadius == 0)
    for eps in [1e-2, 1e-4, 1e-6] {
      let moved = try MDPStability(mdp: TabularMDP(rewards: [[1, 1 + eps], [0, 0]], transitions: p, discount: 0.8), alpha: 0.1)
      #expect(moved.margins[0].greedyAction == 1 && base.margins[0].greedyAction == 0)
      let soft = totalVariation(base.softPolicy[0], moved.softPolicy[0])
      #expect(soft <= eps * base.lipschitzTV)
      #expect(soft > 0)
    }
  }

  @Test func invalidMDPs() {
    #expect(throws: FiniteMDPError.self) { try TabularMDP(rewards: [[1]], transitions: [[[0.5]]], discount: 0.5) }
    #expect(throws: FiniteMDPError.self) { try TabularMDP(rewards: [[1]], transitions: [[[1]]], discount: 1) }
    #expect(throws: FiniteMDPError.self) { try TabularMDP(rewards: [[.nan]], transitions: [[[1]]], discount: 0.1) }
    #expect(throws: FiniteMDPError.self) { try TabularMDP(rewards: [[1]], transitions: [[[1]], [[1]]], discount: 0.1) }
  }
}

@Suite("Near-tie statistics over positions")
struct NearTieTests {
  @Test func gapsSharesAndEntropies() throws {
    #expect(NearTieStatistics.topTwoGap([3, 1, 2.5]) == 0.5)
    #expect(NearTieStatistics.topTwoGap([2, 2, 0]) == 0)
    #expect(NearTieStatistics.topTwoGap([1]) == .infinity)
    let stats = try NearTieStatistics(
      gaps: [0.0, 0.05, 0.2, 1, 4], entropies: [0.7, 0.5, 0.3, 0.1, 0.0], threshold: 0.1,
      quantileLevels: [0, 0.5, 1], histogramEdges: [0, 0.1, 1])
    #expect(stats.nearTies == 2 && stats.nearTieShare == 0.4)
    #expect(abs(stats.meanEntropyNearTie - 0.6) < 1e-15 && abs(stats.meanEntropyOther - 0.4 / 3) < 1e-15)
    #expect(stats.gapQuantiles == [0, 0.2, 4])
    #expect(stats.histogramCounts == [2, 1, 2])
    // From policies: the gap is taken on z/T.
    let policies = try [SoftmaxPolicy(logits: [1, 0.9, 0], temperature: 0.5), SoftmaxPolicy(logits: [5, 0])]
    let fromPolicies = try NearTieStatistics(policies: policies, threshold: 0.25)
    #expect(fromPolicies.nearTies == 1 && abs(fromPolicies.meanEntropyNearTie - policies[0].entropy) < 1e-15)
    #expect(throws: PolicyCliffError.self) { try NearTieStatistics(gaps: [1], entropies: []) }
    #expect(throws: PolicyCliffError.self) { try NearTieStatistics(gaps: [-1], entropies: [0]) }
  }
}
