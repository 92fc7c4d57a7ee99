// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import LogitDumps

/// A fingerprint of a dump, recorded in every partial so that `merge` can refuse partials of
/// different dumps: the total byte size of the files holding its tensors, and a 64-bit FNV-1a
/// hash over the container format, the sorted metadata, every tensor's name, element type and
/// shape, and the bytes of the first and last rows of each memory-mapped contract tensor.
///
/// Two exports of different steps differ in their metadata, sizes or logits; the row bytes
/// distinguish even re-exports with equal shapes and metadata. It is a check against mistakes,
/// not a cryptographic digest.
public struct DumpIdentity: Sendable, Equatable, CustomStringConvertible {
  /// Σ sizes of the distinct files holding the tensors (and the metadata sidecar), in bytes.
  public var byteCount: Int
  /// FNV-1a over the header facts and sampled rows.
  public var hash: UInt64

  /// `"<bytes>:<16 hex digits>"`, the form stored in partials.
  public var description: String {
    let hex = String(hash, radix: 16)
    return "\(byteCount):" + String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Parses the stored form; nil unless it is a non-negative decimal byte count, ":" and exactly
  /// 16 hex digits.
  ///
  /// - Complexity: O(length of `text`).
  public init?(_ text: String) {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let bytes = Int(parts[0]), bytes >= 0, parts[1].count == 16, let h = UInt64(parts[1], radix: 16) else { return nil }
    byteCount = bytes
    hash = h
  }

  /// Fingerprints an opened dump.
  ///
  /// - Complexity: O(header facts + two rows per contract tensor); no full data pass.
  public init(dump: LogitDump) {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
      for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01b3
      }
    }
    func mix(_ text: String) { mix(text.utf8); mix([0]) }
    let archive = dump.archive
    mix(archive.format.rawValue)
    for key in archive.metadata.keys.sorted() { mix(key); mix(archive.metadata[key]!) }
    var files = Set<String>()
    if let m = archive.metadataFile { files.insert(m) }
    for t in archive.tensors {
      mix(t.name)
      mix("\(t.elementType)")
      mix(t.shape.map(String.init).joined(separator: ","))
      files.insert(t.file)
    }
    for field in DumpField.allCases {
      guard let t = dump[field], t.isMapped, t.rowCount > 0 else { continue }
      for row in Set([0, t.rowCount - 1]).sorted() {
        _ = try? t.withRows(row..<(row + 1)) { bytes in mix(bytes) }
      }
    }
    var total = 0
    for f in files.sorted() {
      var info = stat()
      if stat(f, &info) == 0 { total &+= Int(info.st_size) }
    }
    byteCount = total
    hash = h
  }
}
