// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to standard error (file descriptor 2, unbuffered), for messages, warnings and the
/// progress bar.
///
/// - Complexity: O(length of `text`).
func writeStandardError(_ text: String) {
  _writeAll(2, Array(text.utf8))
}

/// Writes `bytes` to standard output (file descriptor 1, unbuffered), for JSON documents.
///
/// - Complexity: O(bytes).
func writeStandardOutput(_ bytes: [UInt8]) {
  _writeAll(1, bytes)
}

/// `write(2)` until every byte is out, retrying after interruptions; gives up silently on other
/// errors (a closed pipe), as `FileHandle` did.
private func _writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
  bytes.withUnsafeBytes { buffer in
    var offset = 0
    while offset < buffer.count {
      let n = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      if n > 0 {
        offset += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        return
      }
    }
  }
}
