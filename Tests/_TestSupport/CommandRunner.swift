// DeltaH — entropy change of softmax policies.

import Foundation

/// The result of running the `deltah` executable.
public struct CommandResult: Sendable {
  public let status: Int32
  public let standardOutput: String
  public let standardError: String

  /// Whether the run was refused as a usage error naming `message`: exit 64, standard error one
  /// line "Error: …" that contains `message`, nothing on standard output.
  public func isUsageError(naming message: String) -> Bool {
    let lines = standardError.split(separator: "\n")
    return status == 64 && lines.count == 1 && lines[0].hasPrefix("Error:") && lines[0].contains(message) && standardOutput.isEmpty
  }

  /// Standard output parsed as a JSON object.
  public func jsonObject() throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(standardOutput.utf8)) as? [String: Any] else {
      throw CocoaError(.coderInvalidValue)
    }
    return object
  }
}

/// Runs the `deltah` built beside the test bundle with the given arguments.
public func runDeltaH(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
  let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  let candidates = [bundleDirectory, bundleDirectory.deletingLastPathComponent()].map { $0.appendingPathComponent("deltah") }
  guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates[0].path])
  }
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  var env = ProcessInfo.processInfo.environment
  for (k, v) in environment { env[k] = v }
  process.environment = env
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  // Read both pipes to the end before waiting, so a full pipe cannot deadlock the child.
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return CommandResult(
    status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
    standardError: String(decoding: errData, as: UTF8.self))
}
