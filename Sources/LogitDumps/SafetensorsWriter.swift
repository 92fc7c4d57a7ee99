// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a safetensors file from in-memory arrays and writes it atomically.
///
/// ```swift
/// var writer = SafetensorsWriter(metadata: ["temperature": "1.0"])
/// writer.add("entropy", entropies, shape: [n])          // [Float] → F32
/// writer.add("token_ids", ids, shape: [n])              // [Int64] → I64
/// try writer.write(to: "out/per_token.safetensors")
/// ```
///
/// Output layout:
/// * 8-byte little-endian header length `N`, then the JSON header, padded with spaces so that
///   `8 + N` is a multiple of 8, then the data buffer;
/// * the header lists `__metadata__` first (when non-empty), then the tensors in data order;
/// * **data order: by descending element size, then by name** (byte-wise), as the Rust writer
///   does — F64/I64 first, then F32, then U8 — so every tensor is naturally aligned in the file;
/// * tensors tile the buffer contiguously from offset 0, with no holes.
///
/// Writing goes through ``OutputFile``: a temporary file (`.<name>.tmp-XXXXXX`) in the destination's folder, which is
/// flushed (`fsync`) and then renamed over the destination; on any error the temporary file is
/// removed and the destination is untouched.
public struct SafetensorsWriter: Sendable {
  enum Payload: Sendable {
    case f32([Float])
    case f64([Double])
    case i64([Int64])
    case u8([UInt8])

    var elementType: ElementType {
      switch self {
      case .f32: .f32
      case .f64: .f64
      case .i64: .i64
      case .u8: .u8
      }
    }

    var count: Int {
      switch self {
      case .f32(let a): a.count
      case .f64(let a): a.count
      case .i64(let a): a.count
      case .u8(let a): a.count
      }
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(DumpError) -> R) throws(DumpError) -> R {
      // Array.withUnsafeBytes is not typed-throws; route the error through Result.
      let result: Result<R, DumpError>
      switch self {
      case .f32(let a): result = a.withUnsafeBytes { b in Result { () throws(DumpError) -> R in try body(b) } }
      case .f64(let a): result = a.withUnsafeBytes { b in Result { () throws(DumpError) -> R in try body(b) } }
      case .i64(let a): result = a.withUnsafeBytes { b in Result { () throws(DumpError) -> R in try body(b) } }
      case .u8(let a): result = a.withUnsafeBytes { b in Result { () throws(DumpError) -> R in try body(b) } }
      }
      return try result.get()
    }
  }

  struct Entry: Sendable {
    var name: String
    var shape: [Int]
    var payload: Payload
  }

  /// String metadata written as `__metadata__`.
  public var metadata: [String: String]
  private(set) var entries: [Entry] = []

  /// An empty writer.
  public init(metadata: [String: String] = [:]) {
    self.metadata = metadata
  }

  /// Adds an F32 tensor. `values` are in C order; shape and count are checked by ``write(to:)``
  /// (as for every `add`: nothing is checked here, names included).
  ///
  /// - Complexity: O(1) amortised (the array is shared, not copied).
  public mutating func add(_ name: String, _ values: [Float], shape: [Int]) {
    entries.append(Entry(name: name, shape: shape, payload: .f32(values)))
  }

  /// Adds an F64 tensor (checked by ``write(to:)``).
  ///
  /// - Complexity: O(1) amortised.
  public mutating func add(_ name: String, _ values: [Double], shape: [Int]) {
    entries.append(Entry(name: name, shape: shape, payload: .f64(values)))
  }

  /// Adds an I64 tensor (checked by ``write(to:)``).
  ///
  /// - Complexity: O(1) amortised.
  public mutating func add(_ name: String, _ values: [Int64], shape: [Int]) {
    entries.append(Entry(name: name, shape: shape, payload: .i64(values)))
  }

  /// Adds a U8 tensor (masks: 0 or 1; the values are not checked).
  ///
  /// - Complexity: O(1) amortised.
  public mutating func add(_ name: String, _ values: [UInt8], shape: [Int]) {
    entries.append(Entry(name: name, shape: shape, payload: .u8(values)))
  }

  /// The serialised header (without the length prefix), padded, and the entries in data order
  /// with their offsets.
  func layout(file: String) throws(DumpError) -> (header: [UInt8], ordered: [(Entry, Range<Int>)]) {
    var names: Set<String> = []
    for entry in entries {
      guard entry.name != "__metadata__" else {
        throw DumpError(file: file, tensor: entry.name, problem: "'__metadata__' is reserved and cannot name a tensor")
      }
      guard !entry.name.isEmpty else { throw DumpError(file: file, problem: "a tensor has an empty name") }
      guard names.insert(entry.name).inserted else {
        throw DumpError(file: file, tensor: entry.name, problem: "tensor added twice")
      }
      guard let d = TensorDescriptor(name: entry.name, elementType: entry.payload.elementType, shape: entry.shape)
      else {
        throw DumpError(file: file, tensor: entry.name, problem: "shape \(entry.shape) is negative or too large")
      }
      guard d.elementCount == entry.payload.count else {
        throw DumpError(
          file: file, tensor: entry.name,
          problem: "\(entry.payload.count) values do not fill shape \(entry.shape) (\(d.elementCount) elements)")
      }
    }
    let sorted = entries.sorted {
      let (a, b) = ($0.payload.elementType.byteWidth, $1.payload.elementType.byteWidth)
      return a != b ? a > b : Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8))
    }
    var json = "{"
    var first = true
    if !metadata.isEmpty {
      json += _JSON.quote("__metadata__") + ":{"
      json += metadata.sorted { $0.key < $1.key }
        .map { _JSON.quote($0.key) + ":" + _JSON.quote($0.value) }.joined(separator: ",")
      json += "}"
      first = false
    }
    var offset = 0
    var ordered: [(Entry, Range<Int>)] = []
    for entry in sorted {
      let bytes = entry.payload.count * entry.payload.elementType.byteWidth
      let range = offset..<(offset + bytes)
      offset += bytes
      ordered.append((entry, range))
      if !first { json += "," }
      first = false
      json += _JSON.quote(entry.name) + ":{\"dtype\":\"\(entry.payload.elementType.rawValue)\","
      json += "\"shape\":[" + entry.shape.map(String.init).joined(separator: ",") + "],"
      json += "\"data_offsets\":[\(range.lowerBound),\(range.upperBound)]}"
    }
    json += "}"
    var header = Array(json.utf8)
    let padded = (header.count + 7) / 8 * 8
    header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padded - header.count))
    return (header, ordered)
  }

  /// Writes the file atomically to `path` through ``OutputFile/write(to:_:)`` (replacing a regular
  /// file; refusing inputs, devices, FIFOs, sockets and folders).
  ///
  /// - Throws: ``DumpError`` for invalid tensors (duplicate or reserved names, count ≠ ∏shape)
  ///   or I/O failures; nothing is left behind on error.
  /// - Complexity: O(total bytes).
  public func write(to path: String) throws(DumpError) {
    #if _endian(big)
      throw DumpError(file: path, problem: "big-endian hosts are not supported")
    #else
    let (header, ordered) = try layout(file: path)
    try OutputFile.write(to: path) { (fd) throws(DumpError) in
      var length = UInt64(header.count).littleEndian
      try withUnsafeBytes(of: &length) { (b) throws(DumpError) in try OutputFile.writeAll(fd, b, path) }
      try header.withUnsafeBytes { b in Result { () throws(DumpError) in try OutputFile.writeAll(fd, b, path) } }.get()
      for (entry, _) in ordered {
        try entry.payload.withBytes { (b) throws(DumpError) in try OutputFile.writeAll(fd, b, path) }
      }
    }
    #endif
  }
}
