// DeltaH — entropy change of softmax policies.

/// Rows per chunk used by the whole-tensor conversions (bounded working memory for DEFLATE
/// members).
private let conversionChunkBytes = 1 << 20

/// Up-front reservation cap for the output arrays: a corrupt ZIP directory can claim a DEFLATE
/// member far larger than its stream really decodes to, so memory grows with decoded data beyond
/// this many elements rather than with the claim.
private let maxReservation = 1 << 24

extension Tensor {
  private var conversionRowsPerChunk: Int { max(1, conversionChunkBytes / max(rowByteCount, 1)) }

  /// All elements, in C order, as `Double`.
  ///
  /// Accepts every element type: floats convert exactly, integers (including U64 above 2⁵³) are
  /// rounded to the nearest `Double`, BOOL gives 0 or 1. Meant for small per-position tensors
  /// (advantages, log-probs, entropies).
  ///
  /// - Throws: ``DumpError`` for corrupt compressed data.
  /// - Complexity: O(elementCount).
  public func doubles() throws(DumpError) -> [Double] {
    try requireConversionMemory(bytesPerElement: 8, as: "F64")
    var out: [Double] = []
    out.reserveCapacity(min(descriptor.elementCount, maxReservation))
    let type = elementType
    try rethrowingDumpError {
      try forEachRowChunk(rowsPerChunk: conversionRowsPerChunk) { _, bytes in
        for i in 0..<(bytes.count / type.byteWidth) { out.append(type.loadDouble(bytes, i)) }
      }
    }
    return out
  }

  /// All elements, in C order, as `Int64`.
  ///
  /// Accepts I64, I32, I16, I8, U8, U16, U32, and U64 when every value is at most `Int64.max`.
  ///
  /// - Throws: ``DumpError`` for a non-integer element type, a U64 value out of range, or
  ///   corrupt compressed data.
  /// - Complexity: O(elementCount).
  public func int64s() throws(DumpError) -> [Int64] {
    let type = elementType
    guard type.isInteger else {
      throw error("has element type \(type); integers (I64, I32, I16, I8, U8, U16, U32, U64) expected")
    }
    try requireConversionMemory(bytesPerElement: 8, as: "I64")
    var out: [Int64] = []
    out.reserveCapacity(min(descriptor.elementCount, maxReservation))
    try rethrowingDumpError {
      try forEachRowChunk(rowsPerChunk: conversionRowsPerChunk) { rows, bytes in
        for i in 0..<(bytes.count / type.byteWidth) {
          guard let v = type.loadInt64(bytes, i) else {
            throw error(
              "U64 value \(bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) at element "
                + "\(rows.lowerBound * rowLength + i) exceeds Int64.max")
          }
          out.append(v)
        }
      }
    }
    return out
  }

  /// All elements, in C order, as `Bool` (nonzero = true).
  ///
  /// Accepts BOOL, U8 and the other integer types (verl's `response_mask` is often I64).
  ///
  /// - Throws: ``DumpError`` for a floating-point element type or corrupt compressed data.
  /// - Complexity: O(elementCount).
  public func bools() throws(DumpError) -> [Bool] {
    let type = elementType
    guard type == .bool || type.isInteger else {
      throw error("has element type \(type); BOOL, U8 or another integer type expected for a mask")
    }
    try requireConversionMemory(bytesPerElement: 1, as: "BOOL")
    var out: [Bool] = []
    out.reserveCapacity(min(descriptor.elementCount, maxReservation))
    let width = type.byteWidth
    try rethrowingDumpError {
      try forEachRowChunk(rowsPerChunk: conversionRowsPerChunk) { _, bytes in
        for i in 0..<(bytes.count / width) {
          var nonzero = false
          for b in 0..<width where bytes[i * width + b] != 0 { nonzero = true }
          out.append(nonzero)
        }
      }
    }
    return out
  }
}

extension Tensor {
  /// Refuses a whole-tensor conversion whose result would not fit in memory (a compressed member
  /// can claim far more elements than its file holds); see ``MemoryBudget``.
  func requireConversionMemory(bytesPerElement: Int, as type: String) throws(DumpError) {
    try MemoryBudget.require(
      MemoryBudget.saturating(descriptor.elementCount, times: bytesPerElement, plus: conversionChunkBytes),
      for: "tensor '\(name)' \(shape) as \(type)", file: file)
  }
}

/// Runs `body`, whose only possible errors are ``DumpError``s, and rethrows them typed.
func rethrowingDumpError(_ body: () throws -> Void) throws(DumpError) {
  do {
    try body()
  } catch let e as DumpError {
    throw e
  } catch {
    preconditionFailure("unexpected error \(error)")
  }
}

extension Tensor {
  /// The rows at `rows` (row indices, any order) decoded to `Double` (exact for every float type).
  ///
  /// Mapped tensors are read in place; a DEFLATE member is inflated once, in order, keeping only
  /// the requested rows.
  ///
  /// - Throws: ``DumpError`` for an integer tensor, a row index out of range, or corrupt data.
  /// - Complexity: O(|rows| · rowLength) for mapped storage; O(bytes of the tensor) for DEFLATE.
  public func doubleRows(_ rows: [Int]) throws(DumpError) -> [[Double]] {
    let type = elementType
    guard type.isFloatingPoint else { throw error("has element type \(type); floating-point rows expected") }
    if let bad = rows.first(where: { !(0..<rowCount).contains($0) }) {
      throw error("row \(bad) is out of range 0..<\(rowCount)")
    }
    let length = rowLength
    try MemoryBudget.require(
      MemoryBudget.saturating(rows.count, times: MemoryBudget.saturating(length, times: 8), plus: isMapped ? 0 : max(rowByteCount, 1 << 24)),
      for: "\(rows.count) rows of \(length) values of '\(name)' as F64", file: file)
    func decode(_ bytes: UnsafeRawBufferPointer, row: Int) -> [Double] {
      let base = row * length
      return (0..<length).map { type.loadDouble(bytes, base + $0) }
    }
    var out = [[Double]](repeating: [], count: rows.count)
    // The row readers throw only DumpError (the bodies do not throw).
    try rethrowingDumpError {
      if isMapped {
        for (i, r) in rows.enumerated() {
          out[i] = try withRows(r..<(r + 1)) { decode($0, row: 0) }
        }
      } else {
        let wanted = Dictionary(grouping: rows.indices, by: { rows[$0] })
        try forEachRowChunk(rowsPerChunk: max(1, (1 << 24) / max(rowByteCount, 1))) { range, bytes in
          for r in range { for i in wanted[r] ?? [] { out[i] = decode(bytes, row: r - range.lowerBound) } }
        }
      }
    }
    return out
  }
}
