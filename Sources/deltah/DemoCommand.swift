// DeltaH — entropy change of softmax policies.

import ArgumentParser
import FoundationEssentials
import LogitDumps
import Reports

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "A worked example of the theory, then an analysis of the bundled sample dumps.",
    discussion: "The sample dumps (data/sample, made by scripts/make-sample-data.py) are looked up in --data.")

  @Option(help: "Folder with the sample dumps step_0001…step_0003.safetensors.")
  var data: String = "data/sample"

  @Option(help: "Folder with the real-network sample step_00000{1,2,3}.{before,after}.safetensors (scripts/make-trl-sample.py).")
  var realData: String = "data/trl-tiny"

  @Option(help: "Where to write the HTML report of the sample (its folder is created).")
  var report: String = "out/demo/report.html"

  func run() throws {
    print(try TextTable.theoryExample())
    let steps = DemoRun.sampleSteps(in: data)
    guard steps.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else {
      throw ValidationError("sample dumps not found in \(data); run from the repository root or pass --data")
    }
    print(try DemoRun.sampleSections(steps: steps))
    print(try DemoRun.realNetworkSection(folder: realData) ?? "\n(real-network sample not found in \(realData): section skipped; pass --real-data)")
    try OutputFile.write(Array(try DemoRun.report(steps: steps).html().utf8), to: report)
    print("\n== Report\n\nwrote \(report): tables and figures of the sample (open it in a browser; `deltah report` makes these)")
  }
}
