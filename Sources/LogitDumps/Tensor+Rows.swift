// DeltaH — entropy change of softmax policies.

extension Tensor {
  /// Calls `body` with the bytes of rows `range`, viewed in place (zero-copy).
  ///
  /// The view holds `range.count × rowByteCount` bytes, row-major, little-endian, possibly
  /// unaligned (use unaligned loads). It is valid only inside `body`.
  ///
  /// - Precondition: `range` lies within `0..<rowCount`.
  /// - Throws: ``DumpError`` "file changed while being read" when the file shrank or was
  ///   rewritten while `body` ran (see ``MappedFile/checkUnchanged()``); if the tensor is a DEFLATE member (not randomly accessible; use
  ///   ``forEachRowChunk(rowsPerChunk:_:)``), or whatever `body` throws.
  /// - Complexity: O(1) plus `body`.
  public func withRows<R>(
    _ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R
  ) throws -> R {
    precondition(
      range.lowerBound >= 0 && range.upperBound <= rowCount,
      "rows \(range) outside 0..<\(rowCount)")
    guard case .mapped(let mapped, let offset) = storage else {
      throw error("is stored compressed (DEFLATE) and can only be read sequentially with forEachRowChunk")
    }
    let start = offset + range.lowerBound * rowByteCount
    let bytes = UnsafeRawBufferPointer(
      rebasing: mapped._bytes[start..<(start + range.count * rowByteCount)])
    return try withExtendedLifetime(mapped) {
      let result: R
      do {
        result = try body(bytes)
      } catch {
        try mapped.checkUnchanged()  // a shrunken file explains any error from its bytes
        throw error
      }
      try mapped.checkUnchanged()
      return result
    }
  }

  /// Delivers all rows in order, `rowsPerChunk` at a time (the last chunk may be shorter).
  ///
  /// `body` receives the row range and its bytes (`range.count × rowByteCount`, row-major,
  /// little-endian, possibly unaligned). The view is valid only during that call:
  /// * mapped tensors: a view into the mapping (zero-copy); the kernel is advised that the range
  ///   is read sequentially (`MADV_SEQUENTIAL`), and the pages of each chunk are dropped from the
  ///   resident set once `body` returns (`MADV_DONTNEED`), so resident memory stays at about one
  ///   chunk;
  /// * DEFLATE members: one buffer of `rowsPerChunk × rowByteCount` bytes, reused for every chunk,
  ///   so memory stays flat. The member's size and CRC-32 are checked against the ZIP directory
  ///   when the stream ends; a mismatch is thrown after the last chunk has been delivered.
  ///
  /// Tensors with no elements (a zero anywhere in the shape) deliver no chunks.
  ///
  /// - Precondition: `rowsPerChunk >= 1`.
  /// - Throws: ``DumpError`` "file changed while being read" when the file shrank or was
  ///   rewritten meanwhile; for corrupt or truncated compressed data, or whatever `body` throws.
  /// - Complexity: O(bytes of the tensor) (plus decompression for DEFLATE members).
  public func forEachRowChunk(
    rowsPerChunk: Int, _ body: (Range<Int>, UnsafeRawBufferPointer) throws -> Void
  ) throws {
    let mapped: MappedFile
    switch storage {
    case .mapped(let file, _): mapped = file
    case .deflated(let file, _, _, _, _): mapped = file
    }
    do {
      try _forEachRowChunk(rowsPerChunk: rowsPerChunk, body)
    } catch {
      try mapped.checkUnchanged()  // a shrunken file explains any error from its bytes
      throw error
    }
    try mapped.checkUnchanged()
  }

  private func _forEachRowChunk(
    rowsPerChunk: Int, _ body: (Range<Int>, UnsafeRawBufferPointer) throws -> Void
  ) throws {
    precondition(rowsPerChunk >= 1, "rowsPerChunk must be at least 1")
    guard descriptor.elementCount > 0 else { return }
    let rowBytes = rowByteCount
    let chunkRows = min(rowsPerChunk, rowCount)
    switch storage {
    case .mapped(let mapped, let offset):
      let range = offset..<(offset + descriptor.byteCount)
      mapped.adviseSequential(range)
      defer { mapped.adviseNormal(range) }
      try withExtendedLifetime(mapped) {
        var row = 0
        var released = offset
        while row < rowCount {
          let end = min(row + chunkRows, rowCount)
          let start = offset + row * rowBytes
          try body(
            row..<end,
            UnsafeRawBufferPointer(rebasing: mapped._bytes[start..<(start + (end - row) * rowBytes)]))
          // Consumed rows leave the resident set: memory stays flat in the tensor's size.
          released = mapped.releaseConsumed(released..<(offset + end * rowBytes))
          row = end
        }
      }
    case .deflated(let mapped, let compressed, let dataOffset, let uncompressedSize, let crc):
      let (bufferBytes, overflow) = chunkRows.multipliedReportingOverflow(by: rowBytes)
      precondition(!overflow, "rowsPerChunk × rowByteCount overflows")
      // The member's size is a claim of its ZIP entry: check it fits before allocating.
      try MemoryBudget.require(bufferBytes, for: "\(chunkRows) rows of '\(name)' \(shape) inflated at once", file: file)
      mapped.adviseSequential(compressed)
      defer { mapped.adviseNormal(compressed) }
      let inflater = try _Inflater(
        file: mapped, range: compressed, errorFile: file, errorTensor: name)
      try inflater.skip(dataOffset)
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferBytes, 1), alignment: 16)
      defer { buffer.deallocate() }
      var row = 0
      while row < rowCount {
        let end = min(row + chunkRows, rowCount)
        let want = (end - row) * rowBytes
        let got = try inflater.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        guard got == want else {
          throw error(
            "compressed member ends early: row \(row + got / max(rowBytes, 1)) of \(rowCount) "
              + "(\(inflater.totalOut) of \(uncompressedSize) bytes)")
        }
        try body(row..<end, UnsafeRawBufferPointer(rebasing: buffer[0..<want]))
        row = end
      }
      try inflater.expectEnd()
      guard inflater.totalOut == uncompressedSize else {
        throw error(
          "compressed member decodes to \(inflater.totalOut) bytes, the ZIP directory says \(uncompressedSize)")
      }
      guard UInt32(truncatingIfNeeded: inflater.crc) == crc else {
        throw error(
          "CRC-32 mismatch: data gives 0x\(String(UInt32(truncatingIfNeeded: inflater.crc), radix: 16)), "
            + "the ZIP directory says 0x\(String(crc, radix: 16))")
      }
    }
  }
}

extension Tensor {
  /// Drops the memory pages that hold rows `range` from the resident set, once a reader is done
  /// with them (`MADV_DONTNEED` on a private read-only mapping: a later access reads them again
  /// from the page cache). Pages shared with neighbouring rows are dropped too, which is safe
  /// even while other threads read those rows (they fault the page back in). Does nothing for
  /// DEFLATE members, whose chunks live in one reused buffer.
  ///
  /// ``forEachRowChunk(rowsPerChunk:_:)`` does this by itself; call it when reading rows with
  /// ``withRows(_:_:)``, so that memory stays flat there too — also from parallel workers, each on
  /// the rows it has finished.
  ///
  /// - Complexity: O(pages in the range).
  public func releaseRows(_ range: Range<Int>) {
    guard case .mapped(let mapped, let offset) = storage, !range.isEmpty else { return }
    mapped.releasePages(overlapping: (offset + range.lowerBound * rowByteCount)..<(offset + range.upperBound * rowByteCount))
  }
}
