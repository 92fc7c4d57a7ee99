// DeltaH — entropy change of softmax policies.

/// Reader for the safetensors format.
///
/// Layout: bytes 0–7 hold `N` (u64 little-endian); bytes `8..<8+N` a UTF-8 JSON object (starting
/// with `{`, possibly right-padded with spaces); the rest is the data buffer. Each entry
/// `"name": {"dtype": D, "shape": [...], "data_offsets": [BEGIN, END]}` places the tensor at
/// buffer bytes `BEGIN..<END`; `"__metadata__"` is an optional string→string map.
///
/// Validation: header length within the file and ≤ 100,000,000; valid JSON with no duplicate
/// keys; every entry an object with a known dtype, a shape of non-negative integers and exactly
/// two integer offsets; `BEGIN ≤ END ≤ buffer size`; `END − BEGIN = ∏shape × itemsize`; no two
/// tensors overlap. **Holes are allowed**: unlike the Rust reference implementation, this reader
/// does not insist that tensors tile the buffer from 0 with no gaps (gaps are harmless to a
/// reader and some hand-rolled writers align tensors). Unknown keys inside an entry are ignored.
enum _Safetensors {
  static let maxHeaderSize = 100_000_000
  /// What a file that is neither `.npy` nor `.npz` but fails as safetensors may be instead (a log, a
  /// CSV given where a dump is expected): said in the error so that it does not read as corruption.
  static let notSafetensors = "not a safetensors file? a dump is a .safetensors file, an .npz archive, an .npy file or a folder of .npy files"

  static func read(_ file: MappedFile) throws(DumpError) -> (tensors: [Tensor], metadata: [String: String]) {
    let path = file.path
    func fail(_ problem: String, tensor: String? = nil) -> DumpError {
      DumpError(file: path, tensor: tensor, problem: problem)
    }
    let bytes = file._bytes
    guard bytes.count >= 8 else {
      throw fail("file is \(bytes.count) bytes, too short for a safetensors header (truncated)")
    }
    let n = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
    guard n <= UInt64(maxHeaderSize) else {
      throw fail("header length \(n) exceeds the safetensors limit of \(maxHeaderSize) bytes (\(notSafetensors))")
    }
    let headerLength = Int(n)
    guard headerLength <= bytes.count - 8 else {
      throw fail("header length \(headerLength) runs past the end of the file (\(bytes.count) bytes; truncated, or \(notSafetensors))")
    }
    let header = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)])
    guard header.first == UInt8(ascii: "{") else {
      throw fail("header does not start with '{' (not a safetensors file?)")
    }
    let json: _JSON
    do {
      json = try withExtendedLifetime(file) { () throws(_JSONError) -> _JSON in try _JSON.parse(header) }
    } catch {
      throw DumpError(file: path, problem: "header is not valid JSON: \(error.description)", underlying: error)
    }
    guard case .object(let entries) = json else { throw fail("header is not a JSON object") }

    let bufferStart = 8 + headerLength
    let bufferSize = bytes.count - bufferStart
    var metadata: [String: String] = [:]
    var tensors: [Tensor] = []
    var ranges: [(range: Range<Int>, name: String)] = []

    for (name, value) in entries {
      if name == "__metadata__" {
        guard case .object(let pairs) = value else {
          throw fail("__metadata__ is \(value.kindName), expected an object of strings")
        }
        for (k, v) in pairs {
          guard case .string(let s) = v else {
            throw fail("__metadata__ value for '\(k)' is \(v.kindName); only strings are allowed")
          }
          metadata[k] = s
        }
        continue
      }
      let (descriptor, begin, end) = try entry(name, value, bufferSize: bufferSize, file: path)
      if begin < end { ranges.append((begin..<end, name)) }
      tensors.append(
        Tensor(descriptor: descriptor, file: path, storage: .mapped(file: file, offset: bufferStart + begin)))
    }

    ranges.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
    for (a, b) in zip(ranges, ranges.dropFirst()) where b.range.lowerBound < a.range.upperBound {
      throw fail(
        "data_offsets [\(b.range.lowerBound), \(b.range.upperBound)] overlap tensor '\(a.name)' "
          + "[\(a.range.lowerBound), \(a.range.upperBound)]",
        tensor: b.name)
    }
    return (tensors, metadata)
  }

  /// One tensor entry of the header: its dtype (a supported safetensors name), shape
  /// (non-negative integers whose byte count fits in `Int`) and data offsets (begin ≤ end within
  /// the data buffer of `bufferSize` bytes, spanning exactly the tensor's bytes).
  ///
  /// - Throws: ``DumpError`` naming `file` and the tensor.
  /// - Complexity: O(rank).
  static func entry(
    _ name: String, _ value: _JSON, bufferSize: Int, file path: String
  ) throws(DumpError) -> (descriptor: TensorDescriptor, begin: Int, end: Int) {
    func fail(_ problem: String, tensor: String? = nil) -> DumpError {
      DumpError(file: path, tensor: tensor, problem: problem)
    }
    guard case .object(let fields) = value else {
      throw fail("entry is \(value.kindName), expected an object", tensor: name)
    }
    func field(_ key: String) -> _JSON? { fields.first { $0.key == key }?.value }

    guard let dtypeValue = field("dtype") else { throw fail("missing 'dtype'", tensor: name) }
    guard case .string(let dtype) = dtypeValue else {
      throw fail("'dtype' is \(dtypeValue.kindName), expected a string", tensor: name)
    }
    guard let type = ElementType(rawValue: dtype) else {
      if ElementType.unsupportedSafetensorsNames.contains(dtype) {
        throw fail("dtype \(dtype) is not supported by this reader", tensor: name)
      }
      throw fail("unknown dtype '\(dtype)'", tensor: name)
    }

    guard let shapeValue = field("shape") else { throw fail("missing 'shape'", tensor: name) }
    guard case .array(let dims) = shapeValue else {
      throw fail("'shape' is \(shapeValue.kindName), expected an array of integers", tensor: name)
    }
    var shape: [Int] = []
    for d in dims {
      guard let v = d.nonNegativeInt else {
        throw fail("'shape' entries must be non-negative integers", tensor: name)
      }
      shape.append(v)
    }

    guard let offsetsValue = field("data_offsets") else {
      throw fail("missing 'data_offsets'", tensor: name)
    }
    guard case .array(let offsets) = offsetsValue, offsets.count == 2,
      let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt
    else {
      throw fail("'data_offsets' must be an array of two non-negative integers", tensor: name)
    }
    guard begin <= end else {
      throw fail("data_offsets [\(begin), \(end)]: begin is after end", tensor: name)
    }
    guard end <= bufferSize else {
      throw fail(
        "data_offsets [\(begin), \(end)] run past the end of the data buffer (\(bufferSize) bytes; file truncated?)",
        tensor: name)
    }
    guard let descriptor = TensorDescriptor(name: name, elementType: type, shape: shape) else {
      throw fail("shape \(shape) is too large (byte count overflows)", tensor: name)
    }
    guard end - begin == descriptor.byteCount else {
      throw fail(
        "byte count \(end - begin) does not match dtype \(type) × shape \(shape) (\(descriptor.byteCount) bytes)",
        tensor: name)
    }
    return (descriptor, begin, end)
  }
}
