// DeltaH — entropy change of softmax policies.

extension Tensor {
  /// Delivers every row in order, each in pieces of at most `maxBytes` bytes (whole elements), for
  /// rows too large to hold at once: `body` gets the row index, the index of the piece's first
  /// element within the row, and the piece's bytes (little-endian, possibly unaligned; valid only
  /// during the call).
  ///
  /// Mapped tensors are viewed in place; DEFLATE members are inflated into one reused buffer of
  /// `maxBytes`, so memory stays at one piece however long a row is. The member's size and CRC-32
  /// are checked when the stream ends.
  ///
  /// - Precondition: `maxBytes >= elementType.byteWidth`.
  /// - Throws: ``DumpError`` for corrupt or truncated data, "file changed while being read", or
  ///   whatever `body` throws.
  /// - Complexity: O(bytes of the tensor).
  public func forEachRowPiece(
    maxBytes: Int, _ body: (_ row: Int, _ elementOffset: Int, UnsafeRawBufferPointer) throws -> Void
  ) throws {
    let width = elementType.byteWidth
    precondition(maxBytes >= width, "maxBytes must hold at least one element")
    guard descriptor.elementCount > 0 else { return }
    let pieceBytes = maxBytes / width * width
    let rowBytes = rowByteCount
    let mapped: MappedFile
    switch storage {
    case .mapped(let file, _): mapped = file
    case .deflated(let file, _, _, _, _): mapped = file
    }
    do {
      switch storage {
      case .mapped(let file, let offset):
        try withExtendedLifetime(file) {
          for row in 0..<rowCount {
            var done = 0
            while done < rowBytes {
              let n = min(pieceBytes, rowBytes - done)
              let start = offset + row * rowBytes + done
              try body(row, done / width, UnsafeRawBufferPointer(rebasing: file._bytes[start..<(start + n)]))
              done += n
            }
            file.releaseConsumed((offset + row * rowBytes)..<(offset + (row + 1) * rowBytes))
          }
        }
      case .deflated(let file, let compressed, let dataOffset, let uncompressedSize, let crc):
        try MemoryBudget.require(pieceBytes, for: "a piece of a row of '\(name)'", file: self.file)
        let inflater = try _Inflater(file: file, range: compressed, errorFile: self.file, errorTensor: name)
        try inflater.skip(dataOffset)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceBytes, alignment: 16)
        defer { buffer.deallocate() }
        for row in 0..<rowCount {
          var done = 0
          while done < rowBytes {
            let want = min(pieceBytes, rowBytes - done)
            let got = try inflater.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            guard got == want else {
              throw error("compressed member ends early in row \(row) (\(inflater.totalOut) of \(uncompressedSize) bytes)")
            }
            try body(row, done / width, UnsafeRawBufferPointer(rebasing: buffer[0..<want]))
            done += want
          }
        }
        try inflater.expectEnd()
        guard inflater.totalOut == uncompressedSize else {
          throw error("compressed member decodes to \(inflater.totalOut) bytes, the ZIP directory says \(uncompressedSize)")
        }
        guard UInt32(truncatingIfNeeded: inflater.crc) == crc else {
          throw error("CRC-32 mismatch: the data does not match the ZIP directory")
        }
      }
    } catch {
      try mapped.checkUnchanged()
      throw error
    }
    try mapped.checkUnchanged()
  }
}
