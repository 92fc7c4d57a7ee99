// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a C-order `.npy` file (format 1.0) holding `count` elements of `descr` (e.g. "<f4").
///
/// - Complexity: O(bytes).
func writeNumpyFile(
  path: String, descr: String, shape: [Int], bytes: UnsafeRawBufferPointer
) throws(BenchmarkError) {
  let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
  // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, '\n'.
  let unpadded = 10 + header.utf8.count + 1
  header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
  var prefix: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
  let length = UInt16(header.utf8.count)
  prefix += [UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
  guard let file = fopen(path, "wb") else { throw .io("cannot open \(path) for writing") }
  defer { fclose(file) }
  let wrote = prefix.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    + fwrite(bytes.baseAddress, 1, bytes.count, file)
  guard wrote == prefix.count + bytes.count else { throw .io("short write to \(path)") }
}

enum BenchmarkError: Error, CustomStringConvertible {
  case io(String)
  case usage(String)

  var description: String {
    switch self {
    case .io(let message), .usage(let message): message
    }
  }
}
