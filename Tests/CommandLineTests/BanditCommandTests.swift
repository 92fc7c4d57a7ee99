// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah bandit and mdp, end to end")
struct BanditCommandTests {
  func steps(_ o: [String: Any]) throws -> [[String: Any]] {
    try #require(o["steps"] as? [[String: Any]])
  }

  func value(_ o: [String: Any], _ key: String) throws -> Double {
    try #require(o[key] as? Double, "missing numeric key \(key)")
  }

  /// `deltah bandit --json` against an independent, from-scratch PG/NPG implementation (plain
  /// formulas, dense entropy Hessian), step by step to 1e-9 on entropy, reward and the three ΔH
  /// columns.
  @Test(arguments: [("pg", 1.0), ("npg", 0.2)])
  func jsonMatchesIndependentImplementation(rule: String, eta: Double) throws {
    let z0 = [0.3, -1.2, 0.8, 0.0, 1.5, -0.4, 0.9, -2.0, 0.1, 0.6]
    let r = [0.1, 0.9, 0.35, 0.5, 0.2, 0.75, 0.4, 0.95, 0.05, 0.6]
    let result = try runDeltaH([
      "bandit", "--rewards", r.map { "\($0)" }.joined(separator: ","), "--init-logits",
      z0.map { "\($0)" }.joined(separator: ","), "--rule", rule, "--lr", "\(eta)", "--steps", "60", "--json",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let rows = try steps(result.jsonObject())
    #expect(rows.count == 60)
    var z = z0
    for (i, row) in rows.enumerated() {
      #expect((row["step"] as? Int) == i)
      let p = referenceSoftmax(z), l = referenceLogSoftmax(z)
      let h = referenceEntropy(z)
      let j = zip(p, r).map { $0 * $1 }.reduce(0, +)
      let d = z.indices.map { rule == "pg" ? eta * p[$0] * (r[$0] - j) : eta * (r[$0] - j) }
      let grad = z.indices.map { -p[$0] * (l[$0] + h) }
      let first = zip(grad, d).map { $0 * $1 }.reduce(0, +)
      var quad = 0.0
      for a in z.indices {
        for b in z.indices {
          let hab = (a == b ? -p[a] * (1 + l[a] + h) : 0) + p[a] * p[b] * (1 + l[a] + l[b] + 2 * h)
          quad += hab * d[a] * d[b]
        }
      }
      let next = zip(z, d).map { $0 + $1 }
      let expected = [("entropy", h), ("reward", j), ("delta_actual", referenceEntropy(next) - h),
                      ("delta_first_order", first), ("delta_second_order", first + quad / 2)]
      for (key, v) in expected {
        let got = try value(row, key)
        #expect(abs(got - v) < 1e-9, "step \(i) \(key): \(got) vs \(v)")
      }
      z = next
    }
  }

  @Test func seededRunIsReproducibleAndSummarised() throws {
    let args = ["bandit", "--arms", "10", "--seed", "3", "--rule", "ppo", "--lr", "0.5", "--steps", "30",
                "--intervention", "clip-cov", "--cov-ratio", "0.2", "--cov-lower", "0", "--json"]
    let a = try runDeltaH(args), b = try runDeltaH(args)
    #expect(a.status == 0, "\(a.standardError)")
    #expect(a.standardOutput == b.standardOutput)
    let summary = try #require(try a.jsonObject()["summary"] as? [String: Any])
    for key in ["final_entropy", "final_reward", "pearson_first_order", "max_error_first_order", "law_a", "law_b", "law_ceiling"] {
      #expect(summary[key] is Double, "summary key \(key)")
    }
    #expect((summary["intervention_touched"] as? Int ?? 0) > 0)
  }

  @Test func csvAndMDP() throws {
    let csv = try runDeltaH(["bandit", "--arms", "5", "--rule", "npg", "--lr", "0.1", "--steps", "4", "--csv"])
    #expect(csv.status == 0)
    let lines = csv.standardOutput.split(separator: "\n")
    #expect(lines.count == 5 && lines[0].hasPrefix("step,entropy,reward,delta_actual,delta_first_order,delta_second_order"))
    // The CSV's trust_scale is the JSON's, at the same ε.
    let args = ["bandit", "--arms", "5", "--rule", "npg", "--lr", "0.1", "--steps", "4", "--trust-tolerance", "0.2"]
    let csvRows = try runDeltaH(args + ["--csv"]).standardOutput.split(separator: "\n").map { $0.split(separator: ",") }
    #expect(csvRows[0].suffix(2) == ["trust_scale", "trust_tolerance"])
    // Tolerance: 4 ulp, because Foundation's JSONSerialization on Linux may round a 17-digit
    // number one ulp away from the correctly rounded Double that %.17g read back gives.
    for (row, record) in zip(csvRows.dropFirst(), try steps(runDeltaH(args + ["--json"]).jsonObject())) {
      let fromJSON = try value(record, "trust_scale"), fromCSV = try #require(Double(String(row[14])))
      #expect(abs(fromCSV - fromJSON) <= 4 * fromJSON.ulp && Double(String(row[15])) == 0.2)
    }
    let mdp = try runDeltaH(["mdp", "--states", "4", "--actions", "3", "--gamma", "0.8", "--seed", "2", "--rule", "pg",
                             "--scaling", "visitation", "--steps", "20", "--json"])
    #expect(mdp.status == 0, "\(mdp.standardError)")
    let rows = try steps(mdp.jsonObject())
    // entropy(i+1) − entropy(i) = delta_actual + delta_visitation.
    for i in 0..<(rows.count - 1) {
      let lhs = try value(rows[i + 1], "entropy") - value(rows[i], "entropy")
      #expect(abs(lhs - (try value(rows[i], "delta_actual") + value(rows[i], "delta_visitation"))) < 1e-12)
    }
  }

  @Test(arguments: [
    (["bandit", "--arms", "5", "--rule", "foo"], "'foo' is invalid for '--rule <rule>'. Please provide one of the following: pg, npg,"),
    (["bandit", "--rewards", "1,0", "--init-logits", "0,0,0"], "--init-logits has 3 values but --rewards has 2"),
    (["bandit", "--rewards", "1,nan"], "'1,nan' is invalid for '--rewards <rewards>': element 1 is nan; values must be finite"),
    (["bandit", "--arms", "5", "--lr", "-1"], "'-1' is invalid for '--lr <lr>': must be a finite number > 0"),
    (["bandit", "--arms", "5", "--rule", "pg", "--intervention", "kl-cov"], "--intervention kl-cov acts on sampled tokens; use --rule reinforce, grpo or ppo"),
    (["bandit", "--arms", "5", "--rule", "grpo", "--samples", "1"], "--samples must be at least 2"),
    (["bandit", "--steps", "3"], "give --rewards"),
    (["mdp", "--gamma", "1"], "'1' is invalid for '--gamma <gamma>': must be in [0, 1)"),
    (["bandit", "--arms", "4", "--rule", "grpo", "--intervention", "polarity"], "--intervention polarity needs --polarity-target"),
    (["bandit", "--arms", "4", "--rule", "entropy-bonus"], "--rule entropy-bonus needs --entropy-coef α"),
  ])
  func badArgumentsFailClearly(arguments: [String], message: String) throws {
    let r = try runDeltaH(arguments)
    #expect(r.status != 0)
    #expect(r.standardError.contains(message), "stderr: \(r.standardError)")
  }
}

@Suite("deltah bandit/mdp --intervention kl-cov-annealed and epo")
struct RunDependentInterventionCommandTests {
  @Test(arguments: [["bandit", "--arms", "5", "--seed", "2"], ["mdp", "--states", "3", "--actions", "3", "--seed", "2"]], ["kl-cov-annealed", "epo"])
  func runsAndIsReproducible(problem: [String], name: String) throws {
    let args = problem + ["--rule", "ppo", "--lr", "0.5", "--steps", "12", "--intervention", name, "--json"]
    let a = try runDeltaH(args), b = try runDeltaH(args)
    #expect(a.status == 0, "\(a.standardError)")
    #expect(a.standardOutput == b.standardOutput)
    let summary = try #require(try a.jsonObject()["summary"] as? [String: Any])
    #expect(summary["intervention"] as? String == name)
  }

  @Test func badTimescaleIsRefused() throws {
    let r = try runDeltaH(["bandit", "--arms", "3", "--rule", "grpo", "--intervention", "kl-cov-annealed", "--kl-timescale", "0"])
    #expect(r.status != 0 && r.standardError.contains("--kl-timescale"))
  }
}

@Suite("deltah bandit --intervention siren --siren-top-p")
struct SIRENTopPCommandTests {
  @Test func topPChangesTheRunAndIsValidated() throws {
    let base = ["bandit", "--arms", "6", "--seed", "4", "--rule", "grpo", "--lr", "0.5", "--steps", "10", "--intervention", "siren", "--csv"]
    let plain = try runDeltaH(base), masked = try runDeltaH(base + ["--siren-top-p", "0.5"])
    #expect(plain.status == 0 && masked.status == 0, "\(masked.standardError)")
    #expect(plain.standardOutput != masked.standardOutput)
    let bad = try runDeltaH(base + ["--siren-top-p", "0"])
    #expect(bad.status != 0 && bad.standardError.contains("--siren-top-p"))
  }
}
