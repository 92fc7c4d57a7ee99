// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah sweep --mdp")
struct SweepMDPCommandTests {
  /// A one-run cell on the MDP is `deltah mdp` with the same settings and its default sampling
  /// seed (seed + 1): the same final entropy and reward, bit for bit (both print 17 digits).
  @Test(arguments: ["none", "epo"])
  func oneRunCellEqualsTheMDPCommand(intervention: String) throws {
    let sweep = try runDeltaH([
      "sweep", "--mdp", "--states", "3", "--arms", "4", "--gamma", "0.8", "--seed", "6", "--runs", "1", "--steps", "15",
      "--lr", "0.5", "--samples", "8", "--rules", "grpo", "--interventions", intervention, "--format", "json", "--threads", "1",
    ])
    #expect(sweep.status == 0, "\(sweep.standardError)")
    let cells = try #require(try sweep.jsonObject()["cells"] as? [[String: Any]])
    #expect(cells.count == 1)
    let cellEntropy = try #require((cells[0]["final_entropy"] as? [String: Any])?["mean"] as? Double)
    let cellReward = try #require((cells[0]["final_reward"] as? [String: Any])?["mean"] as? Double)
    let mdp = try runDeltaH([
      "mdp", "--states", "3", "--actions", "4", "--gamma", "0.8", "--seed", "6", "--steps", "15", "--lr", "0.5",
      "--samples", "8", "--rule", "grpo", "--intervention", intervention, "--json",
    ])
    #expect(mdp.status == 0, "\(mdp.standardError)")
    let summary = try #require(try mdp.jsonObject()["summary"] as? [String: Any])
    #expect(cellEntropy == summary["final_entropy"] as? Double)
    #expect(cellReward == summary["final_reward"] as? Double)
    #expect(sweep.standardOutput.contains("random MDP"))
  }

  @Test func mdpRefusesRewardsAndBadGamma() throws {
    let a = try runDeltaH(["sweep", "--mdp", "--rewards", "1,0"])
    #expect(a.status != 0 && a.standardError.contains("--mdp"))
    let b = try runDeltaH(["sweep", "--mdp", "--arms", "3", "--gamma", "1"])
    #expect(b.status != 0 && b.standardError.contains("--gamma"))
  }
}
