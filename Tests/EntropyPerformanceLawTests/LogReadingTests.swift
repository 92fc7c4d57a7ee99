// DeltaH — entropy change of softmax policies.

import EntropyPerformanceLaw
import Testing

@Suite("Entropy–performance law: reading logs")
struct LogReadingTests {
  @Test func csvWithQuotesCommentsAndEmptyCellsInStepOrder() throws {
    let text = #"""
      # written by a trainer
      step,"entropy",reward,note
      2,1.5,0.30,"a, b"
      0,2.0,0.10,x
      1,1.8,,"skipped: no reward"

      3,1.2,0.40,"say ""hi"""
      """#
    let o = try LawObservations(text: text, source: "log.csv")
    #expect(o.format == "csv")
    #expect(o.steps == [0, 2, 3])
    #expect(o.entropies == [2.0, 1.5, 1.2])
    #expect(o.performances == [0.10, 0.30, 0.40])
    #expect(o.skippedRows == 1)
    #expect(o.stepColumn == "step")
  }

  @Test func missingColumnIsNamedWithTheColumnsPresent() {
    let text = "step,H,acc\n0,1,0.1\n"
    #expect(throws: LawError(source: "log.csv", problem: "no column 'entropy' (columns: step, H, acc)")) {
      try LawObservations(text: text, source: "log.csv")
    }
    // With the right names it reads.
    #expect((try? LawObservations(text: text, source: "log.csv", columns: .init(entropy: "H", performance: "acc")))?.count == 1)
  }

  @Test func nonNumericAndNonFiniteCellsAreNamedWithTheirLine() {
    #expect(throws: LawError(source: "log.csv", line: 3, problem: "column 'reward': 'high' is not a number")) {
      try LawObservations(text: "entropy,reward\n1,0.1\n2,high\n", source: "log.csv")
    }
    #expect(throws: LawError(source: "log.csv", line: 2, problem: "column 'entropy': nan is not finite")) {
      try LawObservations(text: "entropy,reward\nnan,0.1\n", source: "log.csv")
    }
    #expect(throws: LawError(source: "log.csv", line: 3, problem: "2 cells, but the header has 3 columns")) {
      try LawObservations(text: "entropy,reward,step\n1,2,3\n1,2\n", source: "log.csv")
    }
    #expect(throws: LawError(source: "log.csv", line: 3, problem: "step 1.0 appears twice (lines 2 and 3)")) {
      try LawObservations(text: "entropy,reward,step\n1,2,1\n1,2,1\n", source: "log.csv")
    }
  }

  @Test func jsonLines() throws {
    let text = """
      {"step": 1, "entropy": 1.5, "acc": 0.3}
      {"step": 0, "entropy": 2.0, "acc": 0.1, "extra": [1, 2]}
      {"step": 2, "entropy": 1.0, "acc": null}
      """
    let o = try LawObservations(text: text, source: "log.jsonl", columns: .init(performance: "acc"))
    #expect(o.format == "jsonl")
    #expect(o.steps == [0, 1] && o.performances == [0.1, 0.3] && o.skippedRows == 1)
    #expect(throws: LawError(source: "log.jsonl", line: 2, problem: "column 'acc': 'good' is not a number")) {
      try LawObservations(text: "{\"entropy\": 1, \"acc\": 1}\n{\"entropy\": 1, \"acc\": \"good\"}", source: "log.jsonl", columns: .init(performance: "acc"))
    }
    #expect(throws: LawError(source: "log.jsonl", line: 2, problem: "column 'entropy': inf is not finite")) {
      try LawObservations(text: "{\"entropy\": 1, \"reward\": 1}\n{\"entropy\": \"inf\", \"reward\": 1}", source: "log.jsonl")
    }
    #expect(throws: LawError(source: "log.jsonl", line: 2, problem: "not a JSON object (JSON lines need one object per line)")) {
      try LawObservations(text: "{\"entropy\": 1, \"reward\": 1}\n[1, 2]", source: "log.jsonl")
    }
  }

  @Test func tabularRunJSONAppendsTheFinalState() throws {
    let text = """
      {"steps": [{"step": 0, "entropy": 1.3, "reward": 0.2, "delta_actual": -0.1},
                 {"step": 1, "entropy": 1.2, "reward": 0.3, "delta_actual": -0.1}],
       "summary": {"final_entropy": 1.1, "final_reward": 0.35, "rule": "pg"}}
      """
    let o = try LawObservations(text: text, source: "run.json")
    #expect(o.format == "tabular-run")
    #expect(o.steps == [0, 1, 2])
    #expect(o.entropies == [1.3, 1.2, 1.1] && o.performances == [0.2, 0.3, 0.35])
    #expect(o.notes.count == 1)
  }

  @Test func dumpsAreMatchedToTheRewardsLogByStep() throws {
    let rewards = try LawObservations(text: "step,reward\n10,0.1\n20,0.2\n30,0.3\n40,0.4\n", source: "r.csv", columns: .init(stepRequired: true, entropyRequired: false))
    let o = try LawObservations(
      dumps: [.init(file: "b", step: 30, entropy: 1.0), .init(file: "a", step: 10, entropy: 2.0), .init(file: "c", step: 20, entropy: 1.5)],
      rewards: rewards)
    #expect(o.steps == [10, 20, 30] && o.entropies == [2.0, 1.5, 1.0] && o.performances == [0.1, 0.2, 0.3])
    #expect(o.notes.contains { $0.contains("1 rows") })
    #expect(throws: LawError(source: "r.csv", problem: "no row with step = 50 (the step of d)")) {
      try LawObservations(dumps: [.init(file: "d", step: 50, entropy: 1)], rewards: rewards)
    }
    #expect(throws: LawError(source: "d", problem: "no 'step' in the dump's metadata; it cannot be matched to the rewards log")) {
      try LawObservations(dumps: [.init(file: "d", step: nil, entropy: 1)], rewards: rewards)
    }
    #expect(throws: LawError(source: "r.csv", problem: "no step column 'step' (columns: reward)")) {
      try LawObservations(text: "reward\n1\n", source: "r.csv", columns: .init(stepRequired: true, entropyRequired: false))
    }
  }
}
