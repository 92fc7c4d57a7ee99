// DeltaH — entropy change of softmax policies.

extension TensorArchive {
  /// The sidecar key under which a writer records the CRC-32 of every member of the `.npz` it
  /// wrote the sidecar for (as the archive's own ZIP directory gives them): `name:crc` pairs,
  /// eight lower-case hex digits, separated by spaces, e.g.
  /// `"advantages.npy:0f3a9c21 logits.npy:7be0d412"`. `deltah.export.save_npz` writes it.
  public static let archiveChecksumKey = "npz_crc32"

  /// Checks that the sidecar at `sidecar` was written for this version of the archive: every
  /// member recorded under ``archiveChecksumKey`` is in the archive's ZIP directory with the same
  /// CRC-32, and every member of the archive is recorded. A sidecar without the key (written by
  /// hand or by another tool) is not checked.
  ///
  /// Only the ZIP directory is read (the CRC-32 a writer stores for each member), not the data.
  ///
  /// - Throws: ``DumpError`` naming the sidecar and the member that differs, or a malformed value.
  /// - Complexity: O(members).
  static func checkPairing(recorded: String, entries: [_Npz.Entry], sidecar: String, archive: String) throws(DumpError) {
    var expected: [String: UInt32] = [:]
    for item in recorded.split(separator: " ", omittingEmptySubsequences: true) {
      guard let colon = item.lastIndex(of: ":"), let crc = UInt32(item[item.index(after: colon)...], radix: 16),
        expected.updateValue(crc, forKey: String(item[..<colon])) == nil
      else {
        throw DumpError(
          file: sidecar, problem: "metadata '\(archiveChecksumKey)' entry '\(item)' is not a member name and a hex CRC-32 (name:crc), or repeats a member")
      }
    }
    let actual = Dictionary(entries.map { ($0.name, $0.crc32) }) { first, _ in first }
    func hex(_ crc: UInt32) -> String {
      let digits = String(crc, radix: 16)
      return String(repeating: "0", count: 8 - digits.count) + digits
    }
    let stale = "the sidecar was written for another version of the archive (a stale pair); write the .npz and its sidecar again"
    for name in expected.keys.sorted() {
      guard let crc = actual[name] else {
        throw DumpError(file: sidecar, problem: "records member '\(name)', which \(archive) does not hold: \(stale)")
      }
      guard crc == expected[name] else {
        throw DumpError(
          file: sidecar, problem: "records CRC-32 \(hex(expected[name]!)) for member '\(name)', \(archive) holds \(hex(crc)): \(stale)")
      }
    }
    if let extra = actual.keys.sorted().first(where: { expected[$0] == nil }) {
      throw DumpError(file: sidecar, problem: "does not record member '\(extra)' of \(archive): \(stale)")
    }
  }
}
