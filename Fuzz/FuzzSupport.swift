// DeltaH — entropy change of softmax policies.
//
// Shared by the fuzz entry points (compiled into each fuzz executable together with the
// LogitDumps sources; not part of Package.swift).

#if canImport(Glibc)
import Glibc
#endif

/// Writes the fuzzer's input to a per-process temporary file with the given suffix, opens it the
/// way a user would, and touches every byte of every tensor through every access path. Errors
/// are expected and ignored; crashes, hangs and sanitizer reports are what the fuzzer looks for.
func fuzzOpen(_ data: UnsafePointer<UInt8>, _ size: Int, suffix: String) {
  let path = "/tmp/logitdumps-fuzz-\(getpid())" + suffix
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { return }
  var done = 0
  while done < size {
    let n = write(fd, data + done, size - done)
    if n <= 0 { break }
    done += n
  }
  close(fd)
  defer { unlink(path) }

  guard let archive = try? TensorArchive(path: path) else { return }
  for tensor in archive.tensors {
    exercise(tensor)
    if tensor.descriptor.rank > 0 { exercise(tensor.regrouped(innerAxisCount: 0)) }
  }
  if let dump = try? LogitDump(archive: archive) {
    try? dump.validate(requiring: Set(DumpField.allCases))
    for (_, tensor) in dump.fields { exercise(tensor) }
  }
}

private func exercise(_ tensor: Tensor) {
  var checksum: UInt64 = 0
  try? tensor.forEachRowChunk(rowsPerChunk: 3) { _, bytes in
    for b in bytes { checksum = checksum &* 31 &+ UInt64(b) }
  }
  _ = try? tensor.doubles()
  _ = try? tensor.int64s()
  _ = try? tensor.bools()
  if tensor.isMapped && tensor.rowCount > 0 && tensor.descriptor.elementCount > 0 {
    let last = tensor.rowCount - 1
    _ = try? tensor.withRows(last..<tensor.rowCount) { $0.last }
    if tensor.elementType.isFloatingPoint {
      _ = try? tensor.withRows(0..<1) { bytes in
        var out = [Float](repeating: 0, count: tensor.rowLength)
        out.withUnsafeMutableBufferPointer { tensor.elementType.loadFloats(from: bytes, into: $0) }
      }
    }
  }
  blackHole(checksum)
}

@inline(never)
func blackHole<T>(_ value: T) {
  withExtendedLifetime(value) {}
}
