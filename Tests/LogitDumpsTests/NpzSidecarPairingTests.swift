// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

/// An `.npz` sidecar that records its archive's member CRC-32s (`npz_crc32`, written by
/// `deltah.export.save_npz`) is checked against the archive's ZIP directory: a sidecar left from
/// another version of the archive is refused instead of being read with the other version's
/// temperature (before: a stale pair was read silently, `temperature_source` "metadata").
@Suite("An npz sidecar is checked against the archive it records")
struct NpzSidecarPairingTests {
  let folder = TemporaryFolder()

  func archive(logits: [Float]) -> (path: String, crcs: String) {
    let logitsMember = npy(descr: "<f4", shape: "(1, \(logits.count))", data: bytes(logits))
    let ids = npy(descr: "<i8", shape: "(1,)", data: bytes([Int64(0)]))
    let path = folder.write("d.npz", zip([ZipMember(name: "logits.npy", data: logitsMember), ZipMember(name: "token_ids.npy", data: ids, method: 8)]))
    func hex(_ crc: UInt32) -> String {
      let digits = String(crc, radix: 16)
      return String(repeating: "0", count: 8 - digits.count) + digits
    }
    return (path, "logits.npy:\(hex(crc32Of(logitsMember))) token_ids.npy:\(hex(crc32Of(ids)))")
  }

  @Test func aMatchingRecordIsRead() throws {
    let (path, crcs) = archive(logits: [1, 2, 3])
    folder.write("d.metadata.json", text: "{\"temperature\": 2, \"npz_crc32\": \"\(crcs)\"}")
    #expect(try TensorArchive(path: path).metadata["temperature"] == "2")
  }

  @Test func aStaleSidecarIsRefusedNamingTheMember() throws {
    let (_, old) = archive(logits: [1, 2, 3])
    let (path, _) = archive(logits: [1, 2, 4])  // the archive is rewritten; the sidecar is not
    folder.write("d.metadata.json", text: "{\"temperature\": 2, \"npz_crc32\": \"\(old)\"}")
    expectDumpError(file: "d.metadata.json", problem: ["member 'logits.npy'", "stale pair"]) { _ = try TensorArchive(path: path) }
  }

  @Test func missingExtraAndMalformedRecordsAreRefused() throws {
    let (path, crcs) = archive(logits: [1, 2, 3])
    let logitsOnly = String(crcs.split(separator: " ")[0])
    for (record, problem) in [
      (logitsOnly, "does not record member 'token_ids.npy'"), (crcs + " extra.npy:00000000", "records member 'extra.npy'"),
      ("logits.npy=12", "is not a member name and a hex CRC-32"), (logitsOnly + " " + logitsOnly, "repeats a member"),
    ] {
      folder.write("d.metadata.json", text: "{\"npz_crc32\": \"\(record)\"}")
      expectDumpError(file: "d.metadata.json", problem: [problem]) { _ = try TensorArchive(path: path) }
    }
  }

  /// A sidecar without the record (by hand, another tool, an older writer) is read as before.
  @Test func aSidecarWithoutTheRecordIsNotChecked() throws {
    let (path, _) = archive(logits: [1, 2, 3])
    folder.write("d.metadata.json", text: "{\"temperature\": 0.7}")
    #expect(try TensorArchive(path: path).metadata == ["temperature": "0.7"])
  }
}
