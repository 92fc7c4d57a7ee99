// DeltaH — entropy change of softmax policies.

/// Reader for NumPy `.npy` headers.
///
/// Layout: magic `\x93NUMPY`, major version (1, 2, 3), minor version 0, header length
/// (u16 LE for v1, u32 LE for v2/v3), then the header: a Python dict literal with exactly the keys
/// `'descr'`, `'fortran_order'`, `'shape'` (latin-1 for v1/v2, UTF-8 for v3), padded with spaces
/// and a newline; then the raw data, C order unless `fortran_order` is true.
///
/// `fortran_order: True` is accepted when at most one axis is longer than 1 (1-D arrays and
/// vectors shaped like `(1, n)`), where column-major and row-major bytes coincide; otherwise it is
/// rejected (transpose before saving, or `np.ascontiguousarray`).
enum _Npy {
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
  /// Headers longer than this are refused (numpy itself limits them to 10,000 bytes when
  /// reading untrusted files).
  static let maxHeaderLength = 1 << 24

  /// The byte count of magic + version + length + header text, from the first bytes of a file.
  /// Needs 10 bytes for v1 and 12 for v2/v3; returns `nil` when `prefix` is too short to tell.
  static func preambleLength(_ prefix: UnsafeRawBufferPointer) -> Result<Int, _Problem>? {
    guard prefix.count >= 10 else { return nil }
    guard prefix.prefix(6).elementsEqual(magic) else {
      return .failure("not a .npy file (magic string \\x93NUMPY missing)")
    }
    let major = prefix[6]
    switch major {
    case 1:
      return .success(10 + Int(prefix.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian))
    case 2, 3:
      guard prefix.count >= 12 else { return nil }
      let length = Int(prefix.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
      guard length <= maxHeaderLength else {
        return .failure("header length \(length) is implausibly large")
      }
      return .success(12 + length)
    default:
      return .failure("unsupported .npy format version \(major).\(prefix[7])")
    }
  }

  /// Parses a complete preamble (`preambleLength` bytes) into a descriptor.
  /// Parses the header and checks that `dataBytes` bytes of array data follow it, exactly.
  ///
  /// - Complexity: O(header length).
  static func checkedHeader(
    _ preamble: UnsafeRawBufferPointer, name: String, dataBytes available: Int
  ) -> Result<TensorDescriptor, _Problem> {
    switch parseHeader(preamble, name: name) {
    case .failure(let p): return .failure(p)
    case .success(let descriptor):
      guard available == descriptor.byteCount else {
        let what = available < descriptor.byteCount ? "truncated: " : "trailing bytes: "
        return .failure(_Problem(
          what + "data has \(available) bytes, dtype \(descriptor.elementType) × shape \(descriptor.shape) "
            + "needs \(descriptor.byteCount)"))
      }
      return .success(descriptor)
    }
  }

  static func parseHeader(_ preamble: UnsafeRawBufferPointer, name: String) -> Result<TensorDescriptor, _Problem> {
    let textStart = preamble[6] == 1 ? 10 : 12
    let text = UnsafeRawBufferPointer(rebasing: preamble[textStart...])
    let literal: _PythonLiteral
    do {
      literal = try _PythonLiteral.parse(text)
    } catch {
      return .failure(_Problem("header is not a valid Python dict literal (byte \(error.offset)): \(error.message)", underlying: error))
    }
    guard case .dict(let members) = literal else {
      return .failure("header is \(literal.kindName), expected a dict")
    }
    var descr: _PythonLiteral?
    var fortran: _PythonLiteral?
    var shapeValue: _PythonLiteral?
    for (key, value) in members {
      guard case .string(let k) = key else { return .failure("header dict has a non-string key") }
      switch k {
      case "descr" where descr == nil: descr = value
      case "fortran_order" where fortran == nil: fortran = value
      case "shape" where shapeValue == nil: shapeValue = value
      case "descr", "fortran_order", "shape": return .failure("header repeats key '\(k)'")
      default: return .failure("header has unexpected key '\(k)'")
      }
    }
    guard let descr, let fortran, let shapeValue else {
      return .failure("header must contain 'descr', 'fortran_order' and 'shape'")
    }
    let type: ElementType
    switch descr {
    case .string(let d):
      switch ElementType.fromNumpyDescr(d) {
      case .success(let t): type = t
      case .failure(let p): return .failure(_Problem(p.message))
      }
    case .list:
      return .failure("structured dtype (a list of fields) is not supported; save one plain array per field")
    default:
      return .failure("'descr' is \(descr.kindName), expected a dtype string")
    }
    guard case .bool(let isFortran) = fortran else {
      return .failure("'fortran_order' is \(fortran.kindName), expected True or False")
    }
    let items: [_PythonLiteral]
    switch shapeValue {
    case .tuple(let t), .list(let t): items = t
    case .int(let v): items = [.int(v)]
    default: return .failure("'shape' is \(shapeValue.kindName), expected a tuple of integers")
    }
    var shape: [Int] = []
    for item in items {
      guard case .int(let v) = item, v >= 0 else {
        return .failure("'shape' must hold non-negative integers")
      }
      shape.append(v)
    }
    if isFortran && shape.filter({ $0 > 1 }).count > 1 {
      return .failure(
        "fortran_order (column-major) data with shape \(shape) is not supported; save with np.ascontiguousarray")
    }
    guard let descriptor = TensorDescriptor(name: name, elementType: type, shape: shape) else {
      return .failure("shape \(shape) is too large (byte count overflows)")
    }
    return .success(descriptor)
  }

  /// A reason a header was refused.
  struct _Problem: Error, ExpressibleByStringInterpolation {
    let message: String
    /// The parser error behind the problem, nested into the ``DumpError`` that reports it.
    var underlying: (any Error)? = nil
    init(_ message: String, underlying: (any Error)? = nil) {
      self.message = message
      self.underlying = underlying
    }
    init(stringLiteral value: String) { message = value }

    /// `error` (which reports ``message``) with the problem's parser error nested.
    func nested(in error: DumpError) -> DumpError {
      DumpError(file: error.file, tensor: error.tensor, problem: error.problem, underlying: underlying)
    }
  }

  /// Reads an `.npy` stored uncompressed at `range` of a mapped file.
  ///
  /// - Complexity: O(header length).
  static func readMapped(
    _ file: MappedFile, range: Range<Int>, name: String, errorFile: String
  ) throws(DumpError) -> Tensor {
    func fail(_ problem: String) -> DumpError { DumpError(file: errorFile, tensor: name, problem: problem) }
    let bytes = UnsafeRawBufferPointer(rebasing: file._bytes[range])
    guard let preamble = preambleLength(bytes) else {
      throw fail("truncated .npy header (\(bytes.count) bytes)")
    }
    let headerEnd: Int
    switch preamble {
    case .success(let n): headerEnd = n
    case .failure(let p): throw p.nested(in: fail(p.message))
    }
    guard headerEnd <= bytes.count else {
      throw fail("header length runs past the end of the data (\(headerEnd) > \(bytes.count) bytes; truncated)")
    }
    let descriptor: TensorDescriptor
    switch checkedHeader(
      UnsafeRawBufferPointer(rebasing: bytes[0..<headerEnd]), name: name, dataBytes: bytes.count - headerEnd)
    {
    case .success(let d): descriptor = d
    case .failure(let p): throw p.nested(in: fail(p.message))
    }
    return Tensor(
      descriptor: descriptor, file: errorFile,
      storage: .mapped(file: file, offset: range.lowerBound + headerEnd))
  }
}
