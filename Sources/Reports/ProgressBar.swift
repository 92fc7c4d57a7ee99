// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif

import LogitDumps

/// A one-line progress bar on standard error, drawn only when standard error is a terminal: the
/// label, 30 cells filled in proportion to the work done and the percentage, redrawn when the
/// percentage changes and erased when the work is done. Pass ``update(_:_:)`` as the `progress`
/// callback of the dump pipeline.
public final class ProgressBar: @unchecked Sendable {
  private let label: String
  private let enabled = isatty(STDERR_FILENO) != 0
  private var lastDrawn = -1

  public init(_ label: String) { self.label = label }

  /// Draws `done` of `total` (nothing when `total` ≤ 0 or the percentage is unchanged).
  ///
  /// - Complexity: O(1).
  public func update(_ done: Int, _ total: Int) {
    guard enabled, total > 0 else { return }
    let percent = done * 100 / total
    guard percent != lastDrawn else { return }
    lastDrawn = percent
    let width = 30
    let filled = width * done / total
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    OutputFile.writeStandardError("\r\(label) [\(bar)] \(percent)%")
    if done >= total { OutputFile.writeStandardError("\r\u{1B}[K") }
  }
}
