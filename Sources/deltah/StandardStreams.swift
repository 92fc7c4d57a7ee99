// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif
import LogitDumps
import Synchronization

/// Writes `text` to standard error (file descriptor 2, unbuffered), for messages, warnings and the
/// progress bar. Errors are ignored: there is nowhere left to report them.
///
/// - Complexity: O(length of `text`).
func writeStandardError(_ text: String) {
  _ = _writeAll(2, Array(text.utf8))
}

/// Writes `bytes` to standard output (file descriptor 1, unbuffered), for JSON documents. A write
/// error is remembered and reported by ``finishStandardOutput()``.
///
/// - Complexity: O(bytes).
func writeStandardOutput(_ bytes: [UInt8]) {
  _ = OutputFile.flushStandardOutput()  // keep the order with text already print()ed
  let code = _writeAll(1, bytes)
  if code != 0 { _standardOutputError.withLock { $0 = $0 == 0 ? code : $0 } }
}

/// The first `errno` of a failed write to standard output (0: none).
private let _standardOutputError = Mutex<Int32>(0)

/// A write to standard output failed (a full disk, `/dev/full`, an I/O error).
struct StandardOutputError: Error, CustomStringConvertible {
  let code: Int32
  var description: String {
    let reason = strerror(code).map { String(cString: $0) } ?? "unknown error"
    return "writing standard output failed: \(reason) (errno \(code)); the output is incomplete"
  }
}

/// Flushes standard output (`print` goes through the C stream) and checks every write to it.
///
/// - A closed pipe (`deltah … | head`) ends the process quietly with status 141 (128 + SIGPIPE;
///   SIGPIPE itself is ignored, see ``OutputFile/installSignalCleanup()``).
/// - Any other failure throws ``StandardOutputError``, so the command exits non-zero.
func finishStandardOutput() throws {
  var code = _standardOutputError.withLock { $0 }
  let flushed = OutputFile.flushStandardOutput()
  if code == 0 { code = flushed }
  guard code != 0 else { return }
  OutputFile.standardOutputErrorWasReported()
  if code == EPIPE || _standardOutputIsClosedPipe() { exit(128 + SIGPIPE) }
  throw StandardOutputError(code: code)
}

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
