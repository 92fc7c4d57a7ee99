// DeltaH — entropy change of softmax policies.

import Foundation
import Testing

@testable import LogitDumps

/// Outputs never replace inputs or special files, leave no temporary files, and inputs that are
/// FIFOs, or that shrink while mapped, give errors instead of hangs and SIGBUS (issue 10,
/// items 1, 2, 11, 12, 13).
@Suite struct SafeFilesTests {
  let folder = TemporaryFolder()

  func smallWriter(_ value: Float = 1) -> SafetensorsWriter {
    var w = SafetensorsWriter()
    w.add("v", [value, value], shape: [2])
    return w
  }

  func kind(_ path: String) -> mode_t {
    var info = stat()
    precondition(lstat(path, &info) == 0)
    return info.st_mode & S_IFMT
  }

  func contents(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

  /// A safetensors dump with `count` F32 advantages.
  func dump(_ name: String, count: Int) -> String {
    folder.write(name, safetensors([("advantages", "F32", [count], bytes((0..<count).map { Float($0 % 7) }))]))
  }

  // MARK: Item 1: an output that is an input

  @Test func aFileThatWasReadIsNeverReplacedWhateverPathNamesIt() throws {
    let input = dump("in.safetensors", count: 4)
    let before = contents(input)
    _ = try TensorArchive(path: input)  // mapping it makes it an input of this process
    symlink(input, folder.path + "/link.safetensors")
    link(input, folder.path + "/hard.safetensors")
    for path in [input, folder.path + "/link.safetensors", folder.path + "/hard.safetensors", folder.path + "/./in.safetensors"] {
      expectDumpError(file: (path as NSString).lastPathComponent, problem: ["is an input", "refusing to overwrite"]) {
        try smallWriter().write(to: path)
      }
    }
    #expect(contents(input) == before)
    #expect(kind(folder.path + "/link.safetensors") == S_IFLNK)
    #expect(!folder.contents.contains { $0.contains(".tmp-") })
  }

  @Test func namedInputsAreRefusedBeforeAnythingIsRead() throws {
    let dir = folder.path + "/npydump"
    folder.write("npydump/logits.npy", npy(descr: "<f4", shape: "(1, 2)", data: bytes([Float(0), 1])))
    folder.write("npydump/metadata.json", text: "{\"temperature\": 1}")
    let npz = folder.write("d.npz", [0x50, 0x4B, 3, 4])  // never opened: only its identity matters
    folder.write("d.metadata.json", text: "{}")
    let cases: [(String, [String])] = [
      (dir + "/logits.npy", [dir]), (dir + "/metadata.json", [dir]), (npz, [npz]),
      (folder.path + "/d.metadata.json", [npz]),
    ]
    for (output, inputs) in cases {
      expectDumpError(file: (output as NSString).lastPathComponent, problem: ["is an input"]) {
        try OutputFile.refuseOverwritingInputs(outputs: [nil, output], inputs: inputs)
      }
    }
    // A new file in the dump's folder is fine; two outputs naming one file are not.
    try OutputFile.refuseOverwritingInputs(outputs: [dir + "/per_token.safetensors"], inputs: [dir])
    let out = folder.write("out.safetensors", text: "x")
    expectDumpError(file: "out.safetensors", problem: ["same file as the output"]) {
      try OutputFile.refuseOverwritingInputs(outputs: [out, folder.path + "/./out.safetensors"], inputs: [])
    }
    expectDumpError(file: "new.safetensors", problem: ["same file as the output"]) {  // not there yet
      try OutputFile.refuseOverwritingInputs(
        outputs: [folder.path + "/new.safetensors", folder.path + "/npydump/../new.safetensors"], inputs: [])
    }
  }

  // MARK: Item 2: only regular files are replaced

  /// A character device to aim outputs at: as root, a private node with /dev/null's numbers in
  /// the test folder, so that a regression cannot replace the system's /dev/null; otherwise
  /// /dev/null itself (which an unprivileged process cannot replace).
  func characterDevice() -> String {
    guard geteuid() == 0 else { return "/dev/null" }
    var info = stat()
    precondition(stat("/dev/null", &info) == 0)
    let path = folder.path + "/dev-null"
    precondition(mknod(path, S_IFCHR | 0o666, info.st_rdev) == 0, "mknod")
    return path
  }

  @Test func devicesFIFOsAndFoldersAreNeverReplaced() throws {
    let device = characterDevice()
    let fifo = folder.path + "/fifo"
    #expect(mkfifo(fifo, 0o644) == 0)
    let sub = folder.path + "/sub"
    try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
    symlink(device, folder.path + "/to-null")
    let cases: [(String, String)] = [
      (device, "character device"), (fifo, "FIFO"), (sub, "folder"), (folder.path + "/to-null", "character device"),
    ]
    for (path, what) in cases {
      let before = kind(path)
      expectDumpError(file: (path as NSString).lastPathComponent, problem: [what, "only a regular file or a missing path"]) {
        try smallWriter().write(to: path)
      }
      #expect(kind(path) == before, "\(path) must stay what it was")
    }
    #expect(kind(device) == S_IFCHR)
    expectDumpError(file: "sub/", problem: ["folder"]) { try smallWriter().write(to: sub + "/") }
    #expect(!folder.contents.contains { $0.contains(".tmp-") })
  }

  @Test func aSymbolicLinkIsWrittenThroughToItsRegularTarget() throws {
    let target = folder.write("target.safetensors", text: "old")
    chmod(target, 0o640)
    symlink("target.safetensors", folder.path + "/link.safetensors")
    try smallWriter(5).write(to: folder.path + "/link.safetensors")
    #expect(kind(folder.path + "/link.safetensors") == S_IFLNK, "the link stays a link")
    #expect(try TensorArchive(path: target)["v"]!.doubles() == [5, 5])
    var info = stat()
    stat(target, &info)
    #expect(info.st_mode & 0o777 == 0o640, "the replaced file keeps its permissions")
    symlink("nowhere.safetensors", folder.path + "/dangling")
    expectDumpError(file: "dangling", problem: ["symbolic link to a missing file"]) {
      try smallWriter().write(to: folder.path + "/dangling")
    }
    #expect(!FileManager.default.fileExists(atPath: folder.path + "/nowhere.safetensors"))
  }

  @Test func missingFoldersAreCreatedAndAFileInTheWayIsNamed() throws {
    try smallWriter().write(to: folder.path + "/a/b/c.safetensors")
    #expect(try TensorArchive(path: folder.path + "/a/b/c.safetensors")["v"] != nil)
    folder.write("plain", text: "x")
    expectDumpError(file: "plain/c.safetensors", problem: ["plain is a regular file, not a folder"]) {
      try smallWriter().write(to: folder.path + "/plain/c.safetensors")
    }
  }

  @Test func aFailingWriteLeavesNoTemporaryFile() throws {
    let path = folder.path + "/o.bin"
    expectDumpError(file: "o.bin", problem: ["boom"]) {
      try OutputFile.write(to: path) { (_) throws(DumpError) in throw DumpError(file: path, problem: "boom") }
    }
    #expect(folder.contents.isEmpty)
    // A new file gets 0666 & ~umask.
    let mask = umask(0o027)
    defer { umask(mask) }
    try OutputFile.write(Array("hi".utf8), to: path)
    var info = stat()
    stat(path, &info)
    #expect(info.st_mode & 0o777 == 0o640)
  }

  // MARK: Item 11: FIFOs as inputs

  @Test func fifosAsDumpsMembersAndMetadataFailWithoutBlocking() throws {
    let fifo = folder.path + "/dump.safetensors"
    #expect(mkfifo(fifo, 0o644) == 0)
    expectDumpError(file: "dump.safetensors", problem: ["FIFO", "not a regular file"]) { _ = try TensorArchive(path: fifo) }
    expectDumpError(file: "dump.safetensors", problem: ["FIFO"]) { _ = try InputFile.contents(of: fifo) }

    folder.write("dir/advantages.npy", npy(descr: "<f4", shape: "(2,)", data: bytes([Float(0), 1])))
    #expect(mkfifo(folder.path + "/dir/token_ids.npy", 0o644) == 0)
    expectDumpError(file: "dir/token_ids.npy", problem: ["FIFO"]) { _ = try TensorArchive(path: folder.path + "/dir") }

    folder.write("dir2/advantages.npy", npy(descr: "<f4", shape: "(2,)", data: bytes([Float(0), 1])))
    #expect(mkfifo(folder.path + "/dir2/metadata.json", 0o644) == 0)
    expectDumpError(file: "dir2/metadata.json", problem: ["FIFO"]) { _ = try TensorArchive(path: folder.path + "/dir2") }
  }

  // MARK: Item 12: a file that shrinks while mapped

  @Test func aDumpTruncatedWhileMappedGivesAnErrorNotSIGBUS() throws {
    let count = 1 << 20  // 4 MiB of F32: most of it lies beyond the truncation point
    let path = dump("big.safetensors", count: count)
    let archive = try TensorArchive(path: path)
    let tensor = try #require(archive["advantages"])
    #expect(truncate(path, 4096) == 0)
    expectDumpError(file: "big.safetensors", problem: ["file changed while being read"]) { _ = try tensor.doubles() }
    expectDumpError(file: "big.safetensors", problem: ["file changed while being read"]) {
      _ = try tensor.withRows(0..<count) { bytes in bytes.reduce(0 as UInt64) { $0 &+ UInt64($1) } }
    }
  }

  @Test func aDumpRewrittenInPlaceIsReportedToo() throws {
    let path = dump("same.safetensors", count: 8)
    let tensor = try #require(try TensorArchive(path: path)["advantages"])
    #expect(try tensor.doubles().count == 8)
    // Same size, new modification time: the bytes read may mix old and new contents.
    var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    expectDumpError(file: "same.safetensors", problem: ["file changed while being read"]) { _ = try tensor.doubles() }
  }

  // MARK: Item 13: memory claimed by a file

  @Test func claimsBeyondAvailableMemoryAreRefused() throws {
    let available = try #require(MemoryBudget.available(), "Linux reports MemAvailable")
    #expect(available > 0)
    try MemoryBudget.require(1 << 10, for: "a kilobyte", file: "f")
    expectDumpError(file: "f.npz", problem: ["needs about", "more than the", "available", "2 rows"]) {
      try MemoryBudget.require(Int.max, for: "2 rows", file: "f.npz")
    }
    #expect(MemoryBudget.saturating(Int.max / 2, times: 3) == .max)
    #expect(MemoryBudget.saturating(3, times: 4, plus: 5) == 17)
    #expect(MemoryBudget.formatBytes(3 << 30) == "3.0 GiB")
  }
}
