// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
public final class MappedFile: @unchecked Sendable {
  // @unchecked: all stored properties are immutable after `init`, and the mapped memory is
  // read-only, so concurrent readers are safe.

  /// The path the file was opened with.
  public let path: String
  /// Size of the file in bytes (> 0).
  public let count: Int
  private let base: UnsafeRawPointer

  /// Maps the file at `path`.
  ///
  /// - Throws: ``DumpError`` if the file cannot be opened, is not a regular file, is empty, or
  ///   cannot be mapped.
  /// - Complexity: O(1) (the kernel maps pages on demand).
  public init(path: String) throws(DumpError) {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw DumpError.system(path, "open", errno: errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw DumpError.system(path, "fstat", errno: errno) }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw DumpError(file: path, problem: "not a regular file")
    }
    guard info.st_size > 0 else { throw DumpError(file: path, problem: "file is empty") }
    guard let size = Int(exactly: info.st_size) else {
      throw DumpError(file: path, problem: "file is too large to map")
    }
    let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw DumpError.system(path, "mmap", errno: errno)
    }
    self.count = size
    self.base = UnsafeRawPointer(address)
  }

  deinit {
    munmap(UnsafeMutableRawPointer(mutating: base), count)
  }

  /// Calls `body` with a view of all bytes of the file.
  ///
  /// - Complexity: O(1).
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
