// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

extension OutputFile {
  /// Writes `text` to standard error (file descriptor 2, unbuffered), for messages, warnings and
  /// progress. Errors are ignored: there is nowhere left to report them.
  ///
  /// - Complexity: O(length of `text`).
  public static func writeStandardError(_ text: String) {
    _ = _writeAll(2, Array(text.utf8))
  }

  /// Writes `bytes` to standard output (file descriptor 1, unbuffered), after what `print` has
  /// buffered, so the order is kept. A write error is remembered and reported by
  /// ``finishStandardOutput()``.
  ///
  /// - Complexity: O(bytes).
  public static func writeStandardOutput(_ bytes: [UInt8]) {
    _ = flushStandardOutput()
    let code = _writeAll(1, bytes)
    if code != 0 { _standardOutputError.withLock { $0 = $0 == 0 ? code : $0 } }
  }

  /// Flushes standard output and checks every write to it; call it once, after the command's
  /// output is complete.
  ///
  /// - A closed pipe (`deltah … | head`) ends the process quietly with status 141 (128 + SIGPIPE;
  ///   SIGPIPE itself is ignored, see ``installSignalCleanup()``).
  /// - Throws: ``StandardOutputError`` for any other failure (a full disk, `/dev/full`, an I/O
  ///   error), so the command exits non-zero instead of a silent exit 0 with a truncated output.
  /// - Complexity: O(1) plus the flush of the buffered output.
  public static func finishStandardOutput() throws(StandardOutputError) {
    var code = _standardOutputError.withLock { $0 }
    let flushed = flushStandardOutput()
    if code == 0 { code = flushed }
    guard code != 0 else { return }
    standardOutputErrorWasReported()
    if code == EPIPE || _standardOutputIsClosedPipe() { exit(128 + SIGPIPE) }
    throw StandardOutputError(code: code)
  }
}

/// A write to standard output failed (a full disk, `/dev/full`, an I/O error).
public struct StandardOutputError: Error, CustomStringConvertible {
  /// The `errno` of the first failed write.
  public let code: Int32

  public var description: String {
    let reason = strerror(code).map { String(cString: $0) } ?? "unknown error"
    return "writing standard output failed: \(reason) (errno \(code)); the output is incomplete"
  }
}

/// The first `errno` of a failed write to standard output (0: none).
private let _standardOutputError = Mutex<Int32>(0)

/// True when standard output is a pipe or socket whose reader has gone.
private func _standardOutputIsClosedPipe() -> Bool {
  var probe = pollfd(fd: 1, events: Int16(POLLOUT), revents: 0)
  guard poll(&probe, 1, 0) == 1 else { return false }
  return probe.revents & Int16(POLLERR | POLLHUP) != 0
}

/// `write(2)` until every byte is out, retrying after interruptions; returns 0, or the `errno`
/// of the failure.
private func _writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32 {
  bytes.withUnsafeBytes { buffer in
    var offset = 0
    while offset < buffer.count {
      let n = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      if n > 0 {
        offset += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        return n < 0 ? errno : EIO
      }
    }
    return 0
  }
}
