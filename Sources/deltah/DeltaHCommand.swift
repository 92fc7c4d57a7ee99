// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DenseLinearAlgebra
import LogitDumps
import Reports

@main
struct DeltaHCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "deltah",
    abstract: "Exact entropy dynamics of softmax policies: first-order ΔH, covariance, polarity.",
    discussion: """
      All entropies are in nats. A temperature T means the policy is softmax(z/T); logit steps \
      act on the raw logits z, so the policy's own logits move by Δz/T.
      """,
    version: DeltaHVersion.string,
    subcommands: [
      DemoCommand.self, StepCommand.self, AnalyzeCommand.self, CompareCommand.self, MergeCommand.self,
      BanditCommand.self, MDPCommand.self, CurvatureCommand.self, CliffCommand.self, ReportCommand.self,
      WhatIfCommand.self, SweepCommand.self, SeriesCommand.self,
      LawCommand.self,
    ]
  )

  /// Parses and runs the command, after stopping OpenBLAS's spinning idle threads so that they
  /// do not compete with the dump workers for the cores (see ``stopIdleBLASThreads()``).
  static func main() {
    stopIdleBLASThreads()
    OutputFile.installSignalCleanup()  // SIGINT/TERM/HUP remove temporary files; exit 128 + signal
    do {
      var command = try parseAsRoot()
      try command.run()
      try OutputFile.finishStandardOutput()  // a failed write to stdout is an error, not a silent exit 0
    } catch {
      // Errors are one line: the message without the usage block (help and version print in full).
      let code = exitCode(for: error)
      guard code != .success else { exit(withError: error) }
      OutputFile.writeStandardError("Error: \(oneLine(message(for: error)))\n")
      exit(withError: ExitCode(code.rawValue))
    }
  }

  /// ArgumentParser lists six or more allowed values one per line ("one of the following:\n  - a\n  - b");
  /// errors are one line, so the list is joined: "one of the following: a, b".
  private static func oneLine(_ message: String) -> String {
    message.replacing(":\n  - ", with: ": ").replacing("\n  - ", with: ", ")
  }
}
