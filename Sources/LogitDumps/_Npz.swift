// DeltaH — entropy change of softmax policies.

/// Reader for NumPy `.npz` archives (ZIP files of `.npy` members).
///
/// * The end-of-central-directory record (`PK\x05\x06`) is found by scanning backwards over the
///   last 22 + 65,535 bytes. When its counts or offsets are saturated (0xFFFF / 0xFFFFFFFF) the
///   zip64 locator (`PK\x06\x07`) and zip64 record (`PK\x06\x06`) are used instead.
/// * Central-directory records (`PK\x01\x02`) give each member's method, CRC-32, sizes and local
///   header offset; saturated 32-bit fields are taken from the zip64 extra field (id 0x0001).
/// * Each local header (`PK\x03\x04`) is read for **its own** name and extra lengths (they may
///   differ from the central directory's) to find where the data starts. Sizes always come from
///   the central directory (numpy writes 0xFFFFFFFF in local headers).
/// * Method 0 (STORED) members are mapped zero-copy; method 8 (DEFLATE) members are inflated on
///   demand, the `.npy` header once at open time and the data when streamed. Encrypted members and
///   other methods are rejected. Multi-disk archives are rejected.
/// * Only members named `*.npy` are tensors (name = member name without `.npy`); other members
///   are ignored, as `np.load` treats them as opaque bytes.
/// * CRC-32 is verified for DEFLATE members when they are streamed, not for STORED members.
enum _Npz {
  struct Entry {
    var name: String
    var method: UInt16
    var flags: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
  }

  static func read(_ file: MappedFile) throws(DumpError) -> [Tensor] {
    let entries = try centralDirectory(file)
    var seen: Set<String> = []
    var tensors: [Tensor] = []
    for entry in entries where entry.name.hasSuffix(".npy") {
      let name = String(entry.name.dropLast(4))
      guard seen.insert(name).inserted else {
        throw DumpError(file: file.path, tensor: name, problem: "archive holds member '\(entry.name)' twice")
      }
      tensors.append(try tensor(for: entry, name: name, in: file))
    }
    return tensors
  }

  private static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
    b.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian
  }
  private static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
    b.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian
  }
  private static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
    b.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian
  }

  /// Converts a 64-bit size or offset to `Int`, requiring it to be at most `limit` (`nil` when
  /// `limit` is negative: nothing fits).
  static func bounded(_ v: UInt64, _ limit: Int) -> Int? {
    limit >= 0 && v <= UInt64(limit) ? Int(v) : nil
  }

  /// Where the central directory lies and how many entries it holds: from the end-of-central-
  /// directory record (searched backwards over the trailing comment) or, when its fields are
  /// saturated, the zip64 end record its locator points to. Single-disk archives only.
  ///
  /// - Throws: ``DumpError`` naming the file.
  /// - Complexity: O(comment length).
  static func directoryLocation(_ file: MappedFile) throws(DumpError) -> (start: Int, length: Int, entryCount: UInt64) {
    let b = file._bytes
    let size = b.count
    func fail(_ problem: String) -> DumpError { DumpError(file: file.path, problem: problem) }

    // 1. End of central directory.
    guard size >= 22 else { throw fail("file is \(size) bytes, too short for a ZIP archive (truncated)") }
    var eocd = -1
    var at = size - 22
    let lowest = max(0, size - 22 - 65_535)
    while at >= lowest {
      if b[at] == 0x50 && b[at + 1] == 0x4B && b[at + 2] == 0x05 && b[at + 3] == 0x06 {
        eocd = at
        break
      }
      at -= 1
    }
    guard eocd >= 0 else {
      throw fail("not a ZIP archive: end-of-central-directory signature PK\\x05\\x06 not found")
    }
    let diskNumber = u16(b, eocd + 4)
    let cdDisk = u16(b, eocd + 6)
    var entryCount = UInt64(u16(b, eocd + 10))
    var cdSize = UInt64(u32(b, eocd + 12))
    var cdOffset = UInt64(u32(b, eocd + 16))
    if entryCount == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
      // 2. zip64 locator, just before the EOCD, then the zip64 EOCD record.
      let locator = eocd - 20
      guard locator >= 0, u32(b, locator) == 0x0706_4B50 else {
        throw fail("ZIP end record needs zip64 fields but the zip64 locator PK\\x06\\x07 is missing")
      }
      guard let recordAt = bounded(u64(b, locator + 8), size - 56) else {
        throw fail("zip64 end-of-central-directory offset points past the end of the file")
      }
      guard u32(b, recordAt) == 0x0606_4B50 else {
        throw fail("bad signature at the zip64 end-of-central-directory record")
      }
      guard u32(b, recordAt + 16) == 0 && u32(b, recordAt + 20) == 0 else {
        throw fail("multi-disk ZIP archives are not supported")
      }
      entryCount = u64(b, recordAt + 32)
      cdSize = u64(b, recordAt + 40)
      cdOffset = u64(b, recordAt + 48)
    } else if diskNumber != 0 || cdDisk != 0 {
      throw fail("multi-disk ZIP archives are not supported")
    }
    guard let cdStart = bounded(cdOffset, size), let cdLength = bounded(cdSize, size - cdStart) else {
      throw fail("central directory (offset \(cdOffset), \(cdSize) bytes) lies outside the file")
    }
    // Every record is at least 46 bytes.
    guard entryCount <= UInt64(cdLength / 46) else {
      throw fail("central directory of \(cdLength) bytes cannot hold \(entryCount) entries")
    }

    return (cdStart, cdLength, entryCount)
  }

  /// The members listed in the central directory (``directoryLocation(_:)``), each with its
  /// sizes and local-header offset (zip64 extra fields applied), all within the file.
  ///
  /// - Throws: ``DumpError`` naming the file for a truncated or malformed directory.
  /// - Complexity: O(entries).
  static func centralDirectory(_ file: MappedFile) throws(DumpError) -> [Entry] {
    let b = file._bytes
    let size = b.count
    func fail(_ problem: String) -> DumpError { DumpError(file: file.path, problem: problem) }
    let (cdStart, cdLength, entryCount) = try directoryLocation(file)

    // 3. Central directory records.
    var entries: [Entry] = []
    var p = cdStart
    let cdEnd = cdStart + cdLength
    for index in 0..<Int(entryCount) {
      guard cdEnd - p >= 46 else { throw fail("central directory entry \(index) is truncated") }
      guard u32(b, p) == 0x0201_4B50 else {
        throw fail("bad signature at central directory entry \(index) (offset \(p))")
      }
      let flags = u16(b, p + 8)
      let method = u16(b, p + 10)
      let crc = u32(b, p + 16)
      var compressed = UInt64(u32(b, p + 20))
      var uncompressed = UInt64(u32(b, p + 24))
      let nameLength = Int(u16(b, p + 28))
      let extraLength = Int(u16(b, p + 30))
      let commentLength = Int(u16(b, p + 32))
      var localOffset = UInt64(u32(b, p + 42))
      let recordLength = 46 + nameLength + extraLength + commentLength
      guard cdEnd - p >= recordLength else { throw fail("central directory entry \(index) is truncated") }
      let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)

      // zip64 extended information: present fields follow in a fixed order, only for the
      // saturated 32-bit fields.
      var e = p + 46 + nameLength
      let extraEnd = e + extraLength
      while extraEnd - e >= 4 {
        let id = u16(b, e)
        let length = Int(u16(b, e + 2))
        guard extraEnd - (e + 4) >= length else { break }
        if id == 0x0001 {
          var q = e + 4
          let qEnd = q + length
          func next() throws(DumpError) -> UInt64 {
            guard qEnd - q >= 8 else { throw fail("zip64 extra field of member '\(name)' is too short") }
            defer { q += 8 }
            return u64(b, q)
          }
          if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
          if compressed == 0xFFFF_FFFF { compressed = try next() }
          if localOffset == 0xFFFF_FFFF { localOffset = try next() }
        }
        e += 4 + length
      }
      guard let c = bounded(compressed, size), let u = bounded(uncompressed, Int.max / 2),
        let l = bounded(localOffset, size)
      else {
        throw fail("member '\(name)': sizes or offset (\(compressed), \(uncompressed), \(localOffset)) are out of range")
      }
      entries.append(
        Entry(
          name: name, method: method, flags: flags, crc32: crc, compressedSize: c,
          uncompressedSize: u, localHeaderOffset: l))
      p += recordLength
    }
    return entries
  }

  /// The byte range of a member's data, from its local header.
  static func dataRange(of entry: Entry, in file: MappedFile) throws(DumpError) -> Range<Int> {
    let b = file._bytes
    let at = entry.localHeaderOffset
    func fail(_ problem: String) -> DumpError {
      DumpError(file: file.path, problem: "member '\(entry.name)': \(problem)")
    }
    guard b.count - at >= 30 else { throw fail("local header at offset \(at) is truncated") }
    guard u32(b, at) == 0x0403_4B50 else {
      throw fail("bad local header signature at offset \(at) (expected PK\\x03\\x04)")
    }
    let start = at + 30 + Int(u16(b, at + 26)) + Int(u16(b, at + 28))
    guard start <= b.count, b.count - start >= entry.compressedSize else {
      throw fail("data (\(entry.compressedSize) bytes) runs past the end of the archive (truncated)")
    }
    return start..<(start + entry.compressedSize)
  }

  private static func tensor(for entry: Entry, name: String, in file: MappedFile) throws(DumpError) -> Tensor {
    func fail(_ problem: String) -> DumpError { DumpError(file: file.path, tensor: name, problem: problem) }
    guard entry.flags & 1 == 0 else { throw fail("member is encrypted") }
    let range = try dataRange(of: entry, in: file)
    switch entry.method {
    case 0:
      guard entry.compressedSize == entry.uncompressedSize else {
        throw fail(
          "STORED member has compressed size \(entry.compressedSize) ≠ uncompressed size \(entry.uncompressedSize)")
      }
      return try _Npy.readMapped(file, range: range, name: name, errorFile: file.path)
    case 8:
      // DEFLATE expands at most ~1032:1; a larger claim is corrupt (and would make us allocate).
      guard entry.uncompressedSize <= 1100 * entry.compressedSize + 64 else {
        throw fail(
          "uncompressed size \(entry.uncompressedSize) is impossible for \(entry.compressedSize) deflated bytes")
      }
      let inflater = try _Inflater(file: file, range: range, errorFile: file.path, errorTensor: name)
      // Read the 12-byte prefix, then the rest of the header.
      let head = UnsafeMutableRawBufferPointer.allocate(byteCount: 12, alignment: 8)
      defer { head.deallocate() }
      let got = try inflater.read(into: head)
      guard let preamble = _Npy.preambleLength(UnsafeRawBufferPointer(rebasing: head[0..<got])) else {
        throw fail("truncated .npy header (\(got) bytes)")
      }
      let headerEnd: Int
      switch preamble {
      case .success(let n): headerEnd = n
      case .failure(let p): throw p.nested(in: fail(p.message))
      }
      guard headerEnd <= entry.uncompressedSize else {
        throw fail("header length runs past the end of the member (\(headerEnd) > \(entry.uncompressedSize) bytes)")
      }
      let header = UnsafeMutableRawBufferPointer.allocate(byteCount: max(headerEnd, got), alignment: 8)
      defer { header.deallocate() }
      header.copyMemory(from: UnsafeRawBufferPointer(rebasing: head[0..<got]))
      if headerEnd > got {
        let more = try inflater.read(into: UnsafeMutableRawBufferPointer(rebasing: header[got..<headerEnd]))
        guard more == headerEnd - got else { throw fail("deflate stream ends inside the .npy header") }
      }
      let descriptor: TensorDescriptor
      switch _Npy.checkedHeader(
        UnsafeRawBufferPointer(rebasing: header[0..<headerEnd]), name: name,
        dataBytes: entry.uncompressedSize - headerEnd)
      {
      case .success(let d): descriptor = d
      case .failure(let p): throw p.nested(in: fail(p.message))
      }
      return Tensor(
        descriptor: descriptor, file: file.path,
        storage: .deflated(
          file: file, compressed: range, dataOffset: headerEnd,
          uncompressedSize: entry.uncompressedSize, crc32: entry.crc32))
    default:
      throw fail("compression method \(entry.method) is not supported (only 0 STORED and 8 DEFLATE)")
    }
  }
}
