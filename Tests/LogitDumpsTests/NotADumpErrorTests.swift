// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

/// A file that is not a dump at all (a CSV log, a script) given where a dump is expected, e.g.
/// `deltah law run.csv --rewards rewards.csv`. Before, the one-line error read as a corrupt
/// safetensors file ("log.csv: header length 8389754397376476275 exceeds the safetensors limit of
/// 100000000 bytes") without saying that the file is not a dump at all.
@Suite struct NotADumpErrorTests {
  let folder = TemporaryFolder()

  @Test(arguments: [
    ("log.csv", Array("step,entropy,reward\n1,2.0,0.1\n2,1.5,0.2\n".utf8)),  // first 8 bytes: a length > 100 MB
    ("cut.bin", [0x40, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)),  // a length within the limit that runs past the end
  ])
  func saysTheFileIsNotASafetensorsFile(name: String, bytes: [UInt8]) throws {
    let path = folder.write(name, bytes)
    let error = #expect(throws: DumpError.self) { _ = try TensorArchive(path: path) }
    let message = try #require(error).description
    #expect(message.hasPrefix("\(path): header length "), "\(message)")
    #expect(message.contains("not a safetensors file? a dump is a .safetensors file, an .npz archive, an .npy file or a folder of .npy files"), "\(message)")
    #expect(!message.contains("\n"))
  }
}
