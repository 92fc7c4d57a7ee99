// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// Flags of the dump commands that were accepted but changed nothing (exit 0), and a setting that
/// changed the numbers of a report without being recorded in it.
@Suite("Dump commands: every flag given acts or is refused, and every setting used is recorded")
struct DumpFlagEffectCommandTests {
  static let step1 = TrustworthyAnswersCommandTests.step(1)

  /// Before: `whatif --micro-batch 2` printed the same table as without it; `report` with
  /// --seed/--micro-batch/--kl-cov-ratio/--clip-cov-ratio/--clip-cov-bounds printed the same
  /// numbers (no report table or figure shows a KL-Cov, Clip-Cov or micro-batch result) and only
  /// echoed the value in the captions (report no longer has these options, so --help does not
  /// list them either); `report --format json --html F` wrote no table in any
  /// format (tables go to standard output only without --html, or to --out); `compare --shard i/n
  /// --partial P --trust-tolerance 0.3` wrote a partial without ε, and `merge` of it used ε = 0.1;
  /// `report` of .json files and/or `--compare` only took --lr, --clip-low/--clip-high/--dual-clip
  /// (and, without --compare, --temperature) and printed the same tables as without them.
  @Test(arguments: [
    (["whatif", step1, "--micro-batch", "2"], "--micro-batch has no effect on whatif"),
    (["report", step1, "--seed", "5"], "Unknown option '--seed'"),
    (["report", step1, "--micro-batch", "2"], "Unknown option '--micro-batch'"),
    (["report", step1, "--kl-cov-ratio", "0.01"], "Unknown option '--kl-cov-ratio'"),
    (["report", step1, "--clip-cov-ratio", "0.01"], "Unknown option '--clip-cov-ratio'"),
    (["report", step1, "--clip-cov-bounds", "0,9"], "Unknown option '--clip-cov-bounds'"),
    (["compare", step1, TrustworthyAnswersCommandTests.step(2), "--shard", "0/2", "--partial", NSTemporaryDirectory() + "deltah-never-written.part", "--trust-tolerance", "0.3"],
     "--trust-tolerance is not recorded in compare partials"),
    (["report", "run.json", "--lr", "2"], "--lr has no effect on report without dump inputs"),
    (["report", "--compare", step1, TrustworthyAnswersCommandTests.step(2), "--clip-low", "0.1", "--clip-high", "0.1"], "--clip-low has no effect on report without dump inputs"),
    (["report", "--compare", step1, TrustworthyAnswersCommandTests.step(2), "--lr", "2"], "--lr has no effect on report without dump inputs: .json inputs are reported as they were computed and --compare reads only --temperature"),
    (["report", "x.json", "--temperature", "2"], "--temperature has no effect on report without dump inputs"),
    (["report", step1, "--format", "json", "--html", NSTemporaryDirectory() + "deltah-never-written.html"], "--format sets the tables of standard output or --out"),
  ])
  func isRefusedInOneLine(arguments: [String], message: String) throws {
    let r = try runDeltaH(arguments)
    #expect(r.isUsageError(naming: message), "\(arguments): status \(r.status), \(r.standardError)")
    #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "deltah-never-written.html"))
    #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "deltah-never-written.part"))
  }

  /// The same flags where they act: `whatif --seed` moves the clip-cov row, `report --format` with
  /// --html and --out writes the tables in that format.
  @Test func theFlagsStillWorkWhereTheyAct() throws {
    let a = try runDeltaH(["whatif", Self.step1, "--json"])
    let b = try runDeltaH(["whatif", Self.step1, "--seed", "5", "--json"])
    #expect(a.status == 0 && b.status == 0)
    #expect(a.standardOutput != b.standardOutput)
    let scratch = ScratchFolder("format-with-html-and-out")
    let r = try runDeltaH(["report", Self.step1, "--format", "csv", "--html", scratch.path("r.html"), "--out", scratch.path("out")])
    #expect(r.status == 0, "\(r.standardError)")
    #expect(FileManager.default.fileExists(atPath: scratch.path("out/entropy-per-step.csv")))
  }

  /// Before: `report DUMP --clip-low 0.1 --clip-high 0.1` printed polarity columns weighted by
  /// c_t = r_t·1[not clipped] (other numbers than without the flags) under a caption that did not
  /// name the clipping; the same for a report of `analyze DUMP --clip-low … --json`.
  @Test func reportCaptionsRecordTheClippingThatChangedThePolarity() throws {
    let plain = try runDeltaH(["report", Self.step1])
    let clipped = try runDeltaH(["report", Self.step1, "--clip-low", "0.1", "--clip-high", "0.15", "--dual-clip", "3"])
    #expect(plain.status == 0 && clipped.status == 0)
    #expect(plain.standardOutput != clipped.standardOutput)
    #expect(!plain.standardOutput.contains("clip_low"))
    #expect(clipped.standardOutput.contains("clip_low = 0.1, clip_high = 0.15, dual_clip = 3"), "\(clipped.standardOutput)")
    let scratch = ScratchFolder("report-of-clipped-json")
    let analyze = try runDeltaH(["analyze", Self.step1, "--clip-low", "0.1", "--clip-high", "0.15", "--json"])
    #expect(analyze.status == 0)
    let json = try scratch.file("clipped.json", analyze.standardOutput)
    let fromJSON = try runDeltaH(["report", json, "--format", "csv"])
    #expect(fromJSON.status == 0, "\(fromJSON.standardError)")
    #expect(fromJSON.standardOutput.contains("# clip_low: 0.1\r\n# clip_high: 0.15\r\n"), "\(fromJSON.standardOutput)")  // RFC 4180 CRLF
    #expect(!fromJSON.standardOutput.contains("dual_clip"))
  }

  /// Before: `series` of step 1 at T = 1 and step 2 analysed at `--temperature 2` printed a
  /// "ΔH to next" of +1.994 nats (the temperature's effect, not training's) with no series warning;
  /// now the series warns in the table and in the JSON's series warnings.
  @Test func aSeriesAcrossTemperaturesIsWarned() throws {
    let scratch = ScratchFolder("series-across-temperatures")
    let one = try runDeltaH(["analyze", Self.step1, "--json"])
    let two = try runDeltaH(["analyze", TrustworthyAnswersCommandTests.step(2), "--temperature", "2", "--json"])
    #expect(one.status == 0 && two.status == 0)
    let a = try scratch.file("a.json", one.standardOutput), b = try scratch.file("b.json", two.standardOutput)
    let table = try runDeltaH(["series", a, b])
    #expect(table.status == 0)
    #expect(table.standardOutput.contains("warning: temperature changes from 1.0 ("), "\(table.standardOutput)")
    let json = try runDeltaH(["series", a, b, "--json"]).jsonObject()
    let warnings = try #require(json["warnings"] as? [String])
    #expect(warnings.contains { $0.hasPrefix("temperature changes from 1.0 (") && $0.contains(") to 2.0 (") })
  }
}

/// The per-step table of `analyze DUMP DUMP … --clip-low ε_l --clip-high ε_h` prints polarity mean
/// and Φ± weighted by c_t = r_t·1[not clipped]. Before, nothing in that table said so: the same
/// columns without the flags held other numbers under the same headings.
@Suite struct SeriesTableClippingTests {
  @Test func theStepTableNamesTheClipping() throws {
    let dumps = (1...3).map(TrustworthyAnswersCommandTests.step)
    let plain = try runDeltaH(["analyze"] + dumps)
    let clipped = try runDeltaH(["analyze"] + dumps + ["--clip-low", "0.1", "--clip-high", "0.15"])
    #expect(plain.status == 0 && clipped.status == 0)
    #expect(!plain.standardOutput.contains("clipping:"))
    #expect(clipped.standardOutput.contains("\nclipping: ε_l = 0.1, ε_h = 0.15; polarity mean and Φ± weight each token by c_t = r_t·1[not clipped]\n"), "\(clipped.standardOutput)")
  }
}

/// Report captions name where T came from, as they do for η. Before: "temperature = 2, lr = 0.5
/// (metadata)" for a dump read at `--temperature 2` over its metadata's 1.
@Suite struct ReportTemperatureSourceTests {
  @Test func captionsNameTheTemperatureSource() throws {
    let step1 = TrustworthyAnswersCommandTests.step(1)
    let metadata = try runDeltaH(["report", step1])
    #expect(metadata.standardOutput.contains("temperature = 1 (metadata), lr = 0.5 (metadata)"), "\(metadata.standardOutput)")
    let flag = try runDeltaH(["report", step1, "--temperature", "2"])
    #expect(flag.standardOutput.contains("temperature = 2 (flag), lr = 0.5 (metadata)"), "\(flag.standardOutput)")
  }
}
