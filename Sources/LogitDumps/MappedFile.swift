// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _SafeFilesC

/// A whole file mapped read-only into memory (`PROT_READ`, `MAP_PRIVATE`).
///
/// The mapping is never written to, so the file on disk is never modified. The mapping lives as
/// long as the object: it is removed in `deinit`. Pages are loaded lazily by the kernel, so opening
/// a multi-gigabyte dump costs only the page-table set-up; memory use follows what is touched.
///
/// Bytes handed out by ``withUnsafeBytes(_:)`` are valid only inside the closure (and while the
/// object is alive). Offsets into the file need not be aligned for any element type: consumers
/// must use `loadUnaligned(fromByteOffset:as:)` (or copy) rather than `load(as:)`.
///
/// Empty files are rejected (`mmap` cannot map zero bytes, and no valid dump is empty).
///
/// Special files are safe: the file is opened with `O_NONBLOCK` (a FIFO does not block the open)
/// and refused unless it is a regular file. A file that **shrinks while mapped** would kill the
/// process with SIGBUS on the next access past its new end; instead the mapping is registered
/// with a SIGBUS handler that maps zero pages over the lost range and flags the mapping, and
/// ``checkUnchanged()`` (called by every tensor read) reports "file changed while being read".
/// Every mapped file is recorded as an input that no output of this process may replace.
public final class MappedFile: @unchecked Sendable {
  // @unchecked: all stored properties are immutable after `init`, and the mapped memory is
  // read-only, so concurrent readers are safe.

  /// The path the file was opened with.
  public let path: String
  /// Size of the file in bytes (> 0).
  public let count: Int
  private let base: UnsafeRawPointer
  /// The open descriptor (kept for ``checkUnchanged()``).
  private let descriptor: Int32
  /// The slot in the SIGBUS registry (-1: unregistered).
  private let busSlot: Int32
  /// Size and modification time when mapped.
  private let mappedModification: timespec

  /// Maps the file at `path`.
  ///
  /// - Throws: ``DumpError`` if the file cannot be opened, is not a regular file, is empty, or
  ///   cannot be mapped.
  /// - Complexity: O(1) (the kernel maps pages on demand).
  public init(path: String) throws(DumpError) {
    self.path = path
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw openFailure(path, errno: errno) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let code = errno
      close(fd)
      throw DumpError.system(path, "fstat", errno: code)
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw DumpError(file: path, problem: "is \(fileKindName(info.st_mode & S_IFMT)), not a regular file")
    }
    guard info.st_size > 0 else {
      close(fd)
      throw DumpError(file: path, problem: "file is empty")
    }
    guard let size = Int(exactly: info.st_size) else {
      close(fd)
      throw DumpError(file: path, problem: "file is too large to map")
    }
    let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
      let code = errno
      close(fd)
      throw DumpError.system(path, "mmap", errno: code)
    }
    _ProtectedFiles.protect(FileIdentity(info), path: path)
    self.count = size
    self.base = UnsafeRawPointer(address)
    self.descriptor = fd
    self.mappedModification = info.st_mtim
    self.busSlot = sf_register_mapping(address, size)
  }

  deinit {
    sf_unregister_mapping(busSlot)
    munmap(UnsafeMutableRawPointer(mutating: base), count)
    close(descriptor)
  }

  /// Throws when the file changed since it was mapped: a read hit a page past its (new) end
  /// (SIGBUS, see the type's discussion), or its size or modification time differs. Bytes read
  /// from such a file are not trustworthy, whatever they decoded to.
  ///
  /// - Throws: ``DumpError`` "file changed while being read".
  /// - Complexity: O(1) (one `fstat`).
  public func checkUnchanged() throws(DumpError) {
    var info = stat()
    let faulted = sf_mapping_faulted(busSlot) != 0
    let statted = fstat(descriptor, &info) == 0
    if faulted || !statted || info.st_size != count
      || info.st_mtim.tv_sec != mappedModification.tv_sec || info.st_mtim.tv_nsec != mappedModification.tv_nsec
    {
      let now = statted ? " (\(count) bytes when opened, \(info.st_size) now)" : ""
      throw DumpError(file: path, problem: "file changed while being read\(now); its data cannot be trusted")
    }
  }

  /// Calls `body` with a view of all bytes of the file (valid only during the call).
  ///
  /// - Throws: whatever `body` throws, unchanged.
  /// - Complexity: O(1) plus `body`.
  @inlinable
  public func withUnsafeBytes<R, E: Error>(
    _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    try withExtendedLifetime(self) { () throws(E) -> R in try body(_bytes) }
  }

  /// The mapped bytes. Valid while `self` is alive; internal code keeps a strong reference to the
  /// `MappedFile` wherever it keeps such a view.
  @usableFromInline
  var _bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// Tells the kernel that `range` (byte offsets) will be read sequentially, so it reads ahead
  /// aggressively and drops pages behind. Advisory only; failures are ignored.
  ///
  /// - Complexity: O(1).
  func adviseSequential(_ range: Range<Int>) {
    adviseKernel(range, MADV_SEQUENTIAL)
  }

  /// Restores the default paging behaviour for `range`.
  func adviseNormal(_ range: Range<Int>) {
    adviseKernel(range, MADV_NORMAL)
  }

  /// Drops the whole pages inside `range` from this process's resident set (`MADV_DONTNEED`) and
  /// returns the offset up to which pages are now released (the end of the last whole page).
  ///
  /// The mapping is private and read-only, so the pages are only unmapped from this process: the
  /// next access reads them again from the page cache or the file. Streaming readers call this on
  /// what they have consumed, so the resident set stays at about one chunk, however large the file.
  @discardableResult
  func releaseConsumed(_ range: Range<Int>) -> Int {
    let clamped = range.clamped(to: 0..<count)
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    guard page > 0, !clamped.isEmpty else { return clamped.lowerBound }
    let address = Int(bitPattern: base)
    let start = (address + clamped.lowerBound + page - 1) / page * page
    let end = (address + clamped.upperBound) / page * page
    guard end > start else { return clamped.lowerBound }
    _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED)
    return end - address
  }

  /// Drops every memory page that overlaps `range` (byte offsets into the file) from this
  /// process's resident set, including pages shared with bytes outside the range.
  ///
  /// Safe while other threads still read those neighbouring bytes: the mapping is private and
  /// read-only, so a later access simply maps the page again from the page cache. Parallel
  /// streaming readers call this on each batch they finish, in any order.
  func releasePages(overlapping range: Range<Int>) {
    let clamped = range.clamped(to: 0..<count)
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    guard page > 0, !clamped.isEmpty else { return }
    let address = Int(bitPattern: base)
    let start = (address + clamped.lowerBound) / page * page
    let end = (address + clamped.upperBound + page - 1) / page * page
    _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED)
  }

  private func adviseKernel(_ range: Range<Int>, _ advice: Int32) {
    let clamped = range.clamped(to: 0..<count)
    guard !clamped.isEmpty else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    guard page > 0 else { return }
    let start = Int(bitPattern: base) + clamped.lowerBound
    let alignedStart = start - start % page
    let length = Int(bitPattern: base) + clamped.upperBound - alignedStart
    _ = madvise(UnsafeMutableRawPointer(bitPattern: alignedStart), length, advice)
  }
}

/// `strerror` as a Swift string.
func _errorString(_ code: Int32) -> String {
  guard let message = strerror(code) else { return "unknown error" }
  return String(cString: message)
}
