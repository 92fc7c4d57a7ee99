// DeltaH — entropy change of softmax policies.

import CZlib

/// A raw-DEFLATE (RFC 1951) decoder over a byte range of a mapped file, producing output into
/// caller-supplied buffers.
///
/// Input is read straight from the mapping (no copy); output memory is whatever the caller
/// passes, so a multi-gigabyte member is decoded with constant memory. A running CRC-32 of the
/// output is kept so the caller can check it against the ZIP directory.
///
/// Not thread-safe; one instance per sequential pass.
final class _Inflater {
  private let file: MappedFile
  private let input: UnsafeRawBufferPointer
  private var consumed = 0
  /// zlib keeps a back-pointer to the `z_stream`, so it must live at a fixed address.
  private let stream: UnsafeMutablePointer<z_stream>
  private let errorFile: String
  private let errorTensor: String?
  /// Bytes produced so far.
  private(set) var totalOut = 0
  /// CRC-32 of the bytes produced so far.
  private(set) var crc: UInt = 0
  /// True once the deflate stream's final block has been decoded.
  private(set) var finished = false

  /// Starts decoding `range` of `file`.
  init(file: MappedFile, range: Range<Int>, errorFile: String, errorTensor: String?)
    throws(DumpError)
  {
    self.file = file
    self.input = UnsafeRawBufferPointer(rebasing: file._bytes[range])
    self.errorFile = errorFile
    self.errorTensor = errorTensor
    stream = .allocate(capacity: 1)
    stream.initialize(to: z_stream())
    let rc = czlib_inflate_init_raw(stream)
    guard rc == Z_OK else {
      stream.deallocate()
      throw DumpError(
        file: errorFile, tensor: errorTensor, problem: "zlib inflateInit2 failed (code \(rc))")
    }
    crc = crc32(0, nil, 0)
  }

  deinit {
    inflateEnd(stream)
    stream.deallocate()
  }

  private func failure(_ problem: String) -> DumpError {
    DumpError(file: errorFile, tensor: errorTensor, problem: problem)
  }

  /// Fills `buffer` with decoded bytes and returns how many were written. Fewer than
  /// `buffer.count` are returned only when the deflate stream has ended.
  ///
  /// - Throws: ``DumpError`` for a corrupt stream or input that ends before the stream does.
  /// - Complexity: O(bytes produced + bytes consumed).
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(DumpError) -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    var produced = 0
    let maxPiece = 1 << 30  // zlib counts in 32-bit `uInt`
    while produced < buffer.count && !finished {
      if stream.pointee.avail_in == 0 && consumed < input.count {
        let piece = min(input.count - consumed, maxPiece)
        stream.pointee.next_in = UnsafeMutablePointer(
          mutating: input.baseAddress!.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(piece)
        consumed += piece
      }
      let want = min(buffer.count - produced, maxPiece)
      let out = base.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
      stream.pointee.next_out = out
      stream.pointee.avail_out = uInt(want)
      let inBefore = stream.pointee.avail_in
      let rc = inflate(stream, Z_NO_FLUSH)
      let got = want - Int(stream.pointee.avail_out)
      if got > 0 { crc = crc32(crc, out, uInt(got)) }
      produced += got
      totalOut += got
      switch rc {
      case Z_STREAM_END:
        finished = true
      case Z_OK, Z_BUF_ERROR:
        let noProgress = got == 0 && stream.pointee.avail_in == inBefore
        if noProgress && stream.pointee.avail_in == 0 && consumed == input.count {
          throw failure(
            "compressed data ends before the deflate stream does (truncated after \(totalOut) bytes)")
        }
        if noProgress && rc == Z_BUF_ERROR && stream.pointee.avail_in > 0 {
          throw failure("deflate stream made no progress (corrupt data)")
        }
      case Z_DATA_ERROR, Z_NEED_DICT:
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
        throw failure("corrupt deflate stream: \(message)")
      case Z_MEM_ERROR:
        throw failure("zlib ran out of memory")
      default:
        throw failure("zlib inflate failed (code \(rc))")
      }
    }
    return produced
  }

  /// Decodes and discards `count` bytes.
  ///
  /// - Throws: ``DumpError`` if the stream ends first or is corrupt.
  func skip(_ count: Int) throws(DumpError) {
    var remaining = count
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: min(max(count, 1), 1 << 16), alignment: 8)
    defer { scratch.deallocate() }
    while remaining > 0 {
      let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<min(remaining, scratch.count)]))
      guard n > 0 else { throw failure("deflate stream ends after \(totalOut) bytes") }
      remaining -= n
    }
  }

  /// Checks that the stream ends exactly here (no further output).
  ///
  /// - Throws: ``DumpError`` if more data follows or the stream never ends.
  func expectEnd() throws(DumpError) {
    if finished { return }
    var byte: UInt8 = 0
    let n = try withUnsafeMutableBytes(of: &byte) { (b) throws(DumpError) -> Int in try read(into: b) }
    guard n == 0 && finished else {
      throw failure("deflate stream holds more data than the header declares (\(totalOut)+ bytes)")
    }
  }
}
