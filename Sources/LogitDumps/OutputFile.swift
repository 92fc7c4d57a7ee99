// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import _SafeFilesC

/// Safe writing of output files: every file DeltaH writes goes through here.
///
/// Guarantees (each refusal is a ``DumpError`` naming the path, and nothing is written):
/// * **Inputs are never replaced.** A destination that is the same file (device and inode, so
///   also through a symbolic or hard link) as an input is refused. Inputs are the paths given to
///   ``refuseOverwritingInputs(outputs:inputs:)`` (a dump folder counts with its `.npy` members
///   and `metadata.json`, a file with its `<stem>.metadata.json` sidecar) and every file this
///   process has mapped for reading (``MappedFile``) or read with ``InputFile``.
/// * **Only regular files are replaced.** A destination that is a character or block device, a
///   FIFO, a socket or a folder is refused. A **symbolic link** is written through: its final
///   target must be a regular file, which is replaced (the link keeps pointing at it); a dangling
///   link is refused.
/// * **Atomic.** Bytes go to `.<name>.tmp-XXXXXX` beside the destination, are flushed (`fsync`)
///   and renamed over it. Permissions: those of the file replaced, else `0666 & ~umask`.
/// * **No temporary file is left behind**: it is removed on any error, and on SIGINT, SIGTERM and
///   SIGHUP (the process then exits with status 128 + signal; see ``installSignalCleanup()``).
/// * **Missing folders are created** (like `mkdir -p`); a path component that exists but is not a
///   folder is an error naming it.
public enum OutputFile {
  /// Installs the handlers that remove live temporary files on SIGINT, SIGTERM and SIGHUP and then
  /// exit with status 128 + signal, ignores SIGPIPE (a closed pipe becomes an `EPIPE` write
  /// error), and registers an exit-time check of standard output (a failed final flush exits
  /// with status 1 and a one-line message; a closed pipe with 141). Idempotent; ``write(to:_:)``
  /// installs the signal handlers too.
  ///
  /// - Complexity: O(1).
  public static func installSignalCleanup() {
    sf_install_termination_handlers()
    sf_check_standard_output_at_exit()
  }

  /// Refuses, before anything is read, any output that is one of the inputs or that is not a
  /// regular file, a symbolic link to one, or a missing path. Also records the inputs, so that
  /// later writes refuse them too.
  ///
  /// - Parameters:
  ///   - outputs: output paths (`nil` entries, for options not given, are skipped).
  ///   - inputs: input paths (dumps, dump folders, partials, JSON files).
  /// - Throws: ``DumpError`` naming the first offending output.
  /// - Complexity: O(inputs + files in input folders).
  public static func refuseOverwritingInputs(outputs: [String?], inputs: [String]) throws(DumpError) {
    for input in inputs { _ProtectedFiles.protectInput(input) }
    var seen: [FileIdentity: String] = [:]
    var seenPaths: [String: String] = [:]
    for case let output? in outputs {
      let destination = try resolveDestination(output)
      if let id = FileIdentity(path: destination) {
        if let other = seen[id] {
          throw DumpError(file: output, problem: "is the same file as the output \(other); give two different outputs")
        }
        seen[id] = output
      }
      let canonical = canonicalPath(destination)
      if let other = seenPaths[canonical] {
        throw DumpError(file: output, problem: "is the same file as the output \(other); give two different outputs")
      }
      seenPaths[canonical] = output
    }
  }

  /// The path of the output `name` inside the output folder `folder` given as `option` (`--out`,
  /// `--curves`). An empty folder is refused: joined naively it would put the files in `/`.
  ///
  /// - Throws: ``DumpError`` naming `option` when `folder` is empty.
  /// - Complexity: O(path length).
  public static func member(_ name: String, ofFolder folder: String, option: String) throws(DumpError) -> String {
    guard !folder.isEmpty else {
      throw DumpError(file: option, problem: "the output folder is empty; give a folder (. for the current one)")
    }
    return folder.hasSuffix("/") ? folder + name : folder + "/" + name
  }

  /// Writes a file atomically and safely (see ``OutputFile``): `body` writes the content to the
  /// descriptor of a temporary file, which then replaces `path`.
  ///
  /// - Throws: ``DumpError`` naming `path` (refused destination, I/O failure), or what `body`
  ///   throws; the temporary file is removed and `path` untouched.
  /// - Complexity: O(bytes written).
  public static func write(
    to path: String, _ body: (_ descriptor: Int32) throws(DumpError) -> Void
  ) throws(DumpError) {
    let destination = try resolveDestination(path)
    let slash = destination.lastIndex(of: "/")
    let folder = slash.map { String(destination[...$0]) } ?? ""
    let base = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
    if !folder.isEmpty { try createFolders(folder, for: path) }
    var template = Array((folder + "." + base + ".tmp-XXXXXX").utf8CString)
    var slot: Int32 = -1
    let fd = template.withUnsafeMutableBufferPointer { sf_create_temporary($0.baseAddress!, &slot) }
    guard fd >= 0 else { throw DumpError.system(path, "creating a temporary file beside it", errno: errno) }
    let temporary = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    var closed = false
    do throws(DumpError) {
      var existing = stat()
      let mode = stat(destination, &existing) == 0 ? existing.st_mode & 0o7777 : 0o666 & ~currentUmask()
      _ = fchmod(fd, mode)
      try body(fd)
      guard fsync(fd) == 0 else { throw DumpError.system(path, "fsync", errno: errno) }
      closed = true
      guard close(fd) == 0 else { throw DumpError.system(path, "close", errno: errno) }
      // The destination may have changed while the content was computed and written.
      guard try resolveDestination(path) == destination else {
        throw DumpError(file: path, problem: "changed while it was being written; nothing was replaced")
      }
      guard sf_commit_temporary(slot, temporary, destination) == 0 else {
        throw DumpError.system(path, "rename", errno: errno)
      }
    } catch {
      if !closed { close(fd) }
      sf_discard_temporary(slot, temporary)
      throw error
    }
  }

  /// Writes `bytes` to `path` with ``write(to:_:)``.
  ///
  /// - Throws: `DumpError` naming `path`, as ``write(to:_:)`` (refused destination, I/O failure);
  ///   `path` is then untouched.
  /// - Complexity: O(bytes).
  public static func write(_ bytes: [UInt8], to path: String) throws(DumpError) {
    try write(to: path) { (fd) throws(DumpError) in
      try bytes.withUnsafeBytes { b in Result { () throws(DumpError) in try writeAll(fd, b, path) } }.get()
    }
  }

  /// `write(2)` until every byte is out, retrying after interruptions.
  ///
  /// - Throws: ``DumpError`` naming `path` with the system's reason (e.g. no space left).
  /// - Complexity: O(bytes).
  public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String) throws(DumpError) {
    var done = 0
    while done < bytes.count {
      let n = _posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw DumpError.system(path, "write", errno: errno)
      }
      done += n
    }
  }

  /// Flushes the C stream `stdout` (what `print` wrote) and returns 0, or the `errno` of a failed
  /// write to it (EIO when the failure happened in an earlier implicit flush).
  ///
  /// - Complexity: O(buffered bytes).
  public static func flushStandardOutput() -> Int32 {
    sf_flush_standard_output()
  }

  /// Tells the exit-time check of standard output that its failure was already reported.
  ///
  /// - Complexity: O(1).
  public static func standardOutputErrorWasReported() {
    sf_mark_standard_output_error_reported()
  }

  // MARK: Destination rules

  /// The path to rename over: `path` itself (a regular file or a missing path) or the regular
  /// target of a symbolic link; refuses everything else and every input.
  static func resolveDestination(_ path: String) throws(DumpError) -> String {
    guard !path.isEmpty else { throw DumpError(file: path, problem: "empty output path") }
    guard !path.hasSuffix("/") else {
      throw DumpError(file: path, problem: "names a folder; give a file name for the output")
    }
    var info = stat()
    var destination = path
    if lstat(path, &info) != 0 {
      let code = errno
      // ENOTDIR: a component of the folder is a file; createFolders names it.
      guard code == ENOENT || code == ENOTDIR else { throw DumpError.system(path, "inspecting the output path", errno: code) }
      return path
    }
    if (info.st_mode & S_IFMT) == S_IFLNK {
      guard stat(path, &info) == 0 else {
        let code = errno
        guard code == ENOENT else { throw DumpError.system(path, "following the symbolic link", errno: code) }
        throw DumpError(file: path, problem: "is a symbolic link to a missing file; refusing to write through it")
      }
      let kind = info.st_mode & S_IFMT
      guard kind == S_IFREG else {
        throw DumpError(
          file: path,
          problem: "is a symbolic link to \(fileKindName(kind)); only a regular file or a missing path can be an output")
      }
      guard let resolved = realpath(path, nil) else { throw DumpError.system(path, "resolving the symbolic link", errno: errno) }
      destination = String(cString: resolved)
      free(resolved)
      guard stat(destination, &info) == 0 else { throw DumpError.system(path, "inspecting the link's target", errno: errno) }
    }
    let kind = info.st_mode & S_IFMT
    guard kind == S_IFREG else {
      let what = destination == path ? "is" : "is a symbolic link to \(destination), which is"
      throw DumpError(
        file: path,
        problem: "\(what) \(fileKindName(kind)); only a regular file or a missing path can be an output")
    }
    if let input = _ProtectedFiles.input(matching: FileIdentity(info)) {
      let how = input == path ? "" : " (\(input))"
      throw DumpError(file: path, problem: "is an input of this command\(how); refusing to overwrite it")
    }
    return destination
  }

  /// `path` with its folder resolved (`realpath`), also when the file itself does not exist yet.
  static func canonicalPath(_ path: String) -> String {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[..<$0]) } ?? "."
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard let resolved = realpath(folder.isEmpty ? "/" : folder, nil) else { return path }
    defer { free(resolved) }
    let prefix = String(cString: resolved)
    return (prefix.hasSuffix("/") ? prefix : prefix + "/") + base
  }

  /// `mkdir -p folder`, naming the first component that exists but is not a folder.
  private static func createFolders(_ folder: String, for output: String) throws(DumpError) {
    var prefix = folder.hasPrefix("/") ? "/" : ""
    for component in folder.split(separator: "/") {
      prefix += component
      var info = stat()
      if stat(prefix, &info) == 0 {
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
          throw DumpError(file: output, problem: "\(prefix) is \(fileKindName(info.st_mode & S_IFMT)), not a folder")
        }
      } else if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
        throw DumpError.system(output, "creating the folder \(prefix)", errno: errno)
      }
      prefix += "/"
    }
  }

  private static func currentUmask() -> mode_t {
    let mask = umask(0o022)
    umask(mask)
    return mask
  }
}

/// Words for a `st_mode & S_IFMT` value.
func fileKindName(_ kind: mode_t) -> String {
  switch kind {
  case S_IFREG: "a regular file"
  case S_IFDIR: "a folder"
  case S_IFCHR: "a character device"
  case S_IFBLK: "a block device"
  case S_IFIFO: "a FIFO (named pipe)"
  case S_IFSOCK: "a socket"
  case S_IFLNK: "a symbolic link"
  default: "a special file"
  }
}

/// The error for a failed `open(2)` of an input: a special file that cannot be opened (a socket)
/// is named by its kind, anything else by the system's reason.
func openFailure(_ path: String, errno code: Int32) -> DumpError {
  var info = stat()
  if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG, (info.st_mode & S_IFMT) != S_IFDIR {
    return DumpError(file: path, problem: "is \(fileKindName(info.st_mode & S_IFMT)), not a regular file")
  }
  return DumpError.system(path, "open", errno: code)
}

/// Device and inode: the identity of a file, whatever path names it.
struct FileIdentity: Hashable, Sendable {
  let device: UInt64
  let inode: UInt64

  init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }

  /// The identity of the file at `path` (following links), or nil when it does not exist.
  init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    self.init(info)
  }
}

/// The files this process must never replace: inputs named on the command line (with the files
/// they imply) and every file it has read.
enum _ProtectedFiles {
  private static let inputs = Mutex<[FileIdentity: String]>([:])

  /// Records a file that was read (the latest path wins: an older entry may name a file that was
  /// deleted since, whose inode the new one reuses).
  static func protect(_ id: FileIdentity, path: String) {
    inputs.withLock { $0[id] = path }
  }

  /// Records an input path: the file itself (following links); for a folder, its `.npy` members
  /// and `metadata.json`; for a file, its `<stem>.metadata.json` sidecar. Nothing is opened.
  static func protectInput(_ path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return }
    protect(FileIdentity(info), path: path)
    if (info.st_mode & S_IFMT) == S_IFDIR {
      guard let dir = opendir(path) else { return }
      defer { closedir(dir) }
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard name.hasSuffix(".npy") || name == "metadata.json" else { continue }
        let member = TensorArchive.join(path, name)
        if let id = FileIdentity(path: member) { protect(id, path: member) }
      }
    } else {
      let sidecar = TensorArchive.sidecarPath(path)
      if let id = FileIdentity(path: sidecar) { protect(id, path: sidecar) }
    }
  }

  /// The input path recorded for `id`, if any and if that path still names the same file (an
  /// input deleted meanwhile frees its inode for reuse by an unrelated file).
  static func input(matching id: FileIdentity) -> String? {
    inputs.withLock { table -> String? in
      guard let path = table[id] else { return nil }
      guard FileIdentity(path: path) == id else {
        table[id] = nil
        return nil
      }
      return path
    }
  }
}

/// Small whole-file reads of inputs (JSON documents), safe on special files.
public enum InputFile {
  /// The bytes of the regular file at `path`, read without blocking on a FIFO or device: the
  /// file is opened with `O_NONBLOCK` and refused unless it is a regular file. The file is
  /// recorded as an input, so no output of this process may replace it.
  ///
  /// - Throws: ``DumpError`` naming `path` (not a regular file, larger than ``maximumBytes``,
  ///   or a read error).
  /// - Complexity: O(file size).
  public static func contents(of path: String) throws(DumpError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw openFailure(path, errno: errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw DumpError.system(path, "fstat", errno: errno) }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw DumpError(file: path, problem: "is \(fileKindName(info.st_mode & S_IFMT)), not a regular file")
    }
    _ProtectedFiles.protect(FileIdentity(info), path: path)
    guard Int(info.st_size) <= maximumBytes else { throw tooLarge(path) }
    return try readAll(fd, path)
  }

  /// The most bytes a whole-file input (a JSON result, a training log, standard input) may hold:
  /// 64 MiB, far above any DeltaH JSON or training log, so that a huge or endless input is an
  /// error naming it rather than an allocation abort or a hang.
  public static let maximumBytes = 1 << 26

  /// Standard input until its end, at most ``maximumBytes`` (an endless stream such as
  /// `/dev/zero` is refused once it passes the limit).
  ///
  /// - Throws: ``DumpError`` naming `name`.
  /// - Complexity: O(bytes read).
  public static func standardInput(name: String = "standard input") throws(DumpError) -> [UInt8] {
    try readAll(0, name)
  }

  private static func tooLarge(_ path: String) -> DumpError {
    DumpError(file: path, problem: "is larger than \(maximumBytes >> 20) MiB; a DeltaH JSON file or training log is far smaller (wrong file?)")
  }

  private static func readAll(_ fd: Int32, _ path: String) throws(DumpError) -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
      if n < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        throw DumpError.system(path, "read", errno: errno)
      }
      if n == 0 { break }
      guard bytes.count + n <= maximumBytes else { throw tooLarge(path) }
      bytes.append(contentsOf: buffer[0..<n])
    }
    return bytes
  }
}

/// `write(2)`, named apart from the `write` functions above.
private func _posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  Glibc.write(fd, buffer, count)
  #else
  Darwin.write(fd, buffer, count)
  #endif
}
