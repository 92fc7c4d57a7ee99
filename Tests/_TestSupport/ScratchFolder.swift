// DeltaH — entropy change of softmax policies.

import Foundation

/// A private folder under the system's temporary directory for one test instance, created on the
/// first write and removed with everything in it when the instance is released.
///
///     final class MyTests {
///       let scratch = ScratchFolder("law")
///       @Test func reads() throws { let path = try scratch.file("a.csv", "step,reward\n") }
///     }
public final class ScratchFolder: Sendable {
  /// The folder (it exists once ``file(_:_:)`` has written into it).
  public let url: URL

  /// A folder named `deltah-<label>-<pid>-<random>`, unique per instance.
  public init(_ label: String) {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "deltah-\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// Writes `text` to `name` in the folder and returns its path.
  public func file(_ name: String, _ text: String) throws -> String {
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    let path = url.appendingPathComponent(name).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The path of `name` in the folder (nothing is created).
  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
