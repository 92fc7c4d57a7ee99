// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much memory a run may still allocate, so that work whose size a file *claims* (a tiny
/// compressed `.npz` can claim 10⁸ positions or a row of 2²⁸ logits) is refused with an error
/// before it is allocated, instead of aborting when an allocation fails.
///
/// The budget is the smallest of (each when known):
/// * `RLIMIT_AS` minus the address space in use (`VmSize`), and `RLIMIT_DATA` minus `VmData`;
/// * the machine's `MemAvailable + SwapFree` (`/proc/meminfo`);
/// * the cgroup's `memory.max − memory.current` (cgroup v2).
public enum MemoryBudget {
  /// Bytes that can still be allocated, or nil when no bound is known.
  ///
  /// - Complexity: O(1) (reads three small `/proc` and `/sys` files).
  public static func available() -> Int? {
    var bounds: [Int] = []
    let status = procFields("/proc/self/status")
    for (resource, used) in [(RLIMIT_AS, "VmSize"), (RLIMIT_DATA, "VmData")] {
      var limit = rlimit()
      #if canImport(Glibc)
      let got = getrlimit(__rlimit_resource_t(resource.rawValue), &limit)
      #else
      let got = getrlimit(resource, &limit)
      #endif
      if got == 0, limit.rlim_cur != rlim_t.max, let cap = Int(exactly: limit.rlim_cur) {
        bounds.append(max(0, cap - (status[used] ?? 0)))
      }
    }
    let meminfo = procFields("/proc/meminfo")
    if let free = meminfo["MemAvailable"] { bounds.append(free + (meminfo["SwapFree"] ?? 0)) }
    if let max = readNumber("/sys/fs/cgroup/memory.max"), let current = readNumber("/sys/fs/cgroup/memory.current") {
      bounds.append(Swift.max(0, max - current))
    }
    return bounds.min()
  }

  /// Throws unless `bytes` fit in ``available()``.
  ///
  /// - Parameters:
  ///   - bytes: the estimated need (saturated at `Int.max` by the caller on overflow).
  ///   - what: what the memory is for, in words ("4,000,000 positions").
  ///   - file: the file whose claims set the size (named in the error).
  ///   - hint: what the user can do instead, appended after "; " when not empty.
  /// - Throws: ``DumpError`` "needs about X of memory for …, more than the Y available".
  /// - Complexity: O(1).
  public static func require(_ bytes: Int, for what: String, file: String, hint: String = "") throws(DumpError) {
    guard let available = available(), bytes > available else { return }
    throw DumpError(
      file: file,
      problem: "needs about \(formatBytes(bytes)) of memory for \(what), more than the \(formatBytes(available)) "
        + "available (memory, swap and limits such as ulimit -v)" + (hint.isEmpty ? "" : "; " + hint))
  }

  /// `a · b + c` saturating at `Int.max` (sizes claimed by files can overflow).
  ///
  /// - Complexity: O(1).
  public static func saturating(_ a: Int, times b: Int, plus c: Int = 0) -> Int {
    let (p, o) = a.multipliedReportingOverflow(by: b)
    if o { return .max }
    let (s, o2) = p.addingReportingOverflow(c)
    return o2 ? .max : s
  }

  /// "1.5 GiB", "300 MiB", "12 KiB".
  static func formatBytes(_ bytes: Int) -> String {
    if bytes == .max { return "more than 8 EiB" }
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(bytes) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
  }

  /// `Key:   123 kB` lines of a /proc file, in bytes.
  private static func procFields(_ path: String) -> [String: Int] {
    guard let text = readSmallText(path) else { return [:] }
    var fields: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
      guard parts.count >= 2, let value = Int(parts[1]) else { continue }
      fields[String(parts[0])] = parts.count >= 3 && parts[2] == "kB" ? value * 1024 : value
    }
    return fields
  }

  private static func readNumber(_ path: String) -> Int? {
    readSmallText(path).flatMap { Int($0.split(separator: "\n").first ?? "") }
  }

  private static func readSmallText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 1 << 16 {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
