// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif

/// Whether OpenBLAS can allocate its work buffer in this process.
///
/// OpenBLAS gives every thread that runs a level-2/3 routine or LAPACK a work buffer of
/// ``bufferBytes`` (128 MiB on x86-64), and when the allocation fails it retries for ever: under
/// an address-space limit too small for it (`ulimit -v 200000` leaves less than that next to the
/// Swift runtime), `dgesv`, `dsyevd`, `dgemm`… would hang the process. Under such a limit the
/// LAPACK wrappers throw a ``LinearAlgebraError`` instead, and the matrix products fall back to
/// plain loops. Without a limit (the normal case) nothing changes.
public enum BLASWorkspace {
  /// Bytes OpenBLAS maps per thread for its work buffer (`BUFFER_SIZE`, x86-64 builds), plus
  /// 32 MiB of slack for the allocations around the call.
  public static let bufferBytes = (128 + 32) << 20

  /// The address space left under `RLIMIT_AS`/`RLIMIT_DATA` when the process started using
  /// BLAS, or nil when no such limit is set.
  public static let headroom: Int? = {
    #if canImport(Glibc)
    var status: [String: Int] = [:]
    if let file = fopen("/proc/self/status", "r") {
      defer { fclose(file) }
      var line = [CChar](repeating: 0, count: 256)
      while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" || $0 == "\n" })
        if parts.count >= 2, let kilobytes = Int(parts[1]) { status[String(parts[0])] = kilobytes * 1024 }
      }
    }
    var smallest: Int?
    for (resource, used) in [(RLIMIT_AS, "VmSize"), (RLIMIT_DATA, "VmData")] {
      var limit = rlimit()
      if getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
        let cap = Int(exactly: limit.rlim_cur)
      {
        let left = max(0, cap - (status[used] ?? 0))
        smallest = min(smallest ?? left, left)
      }
    }
    return smallest
    #else
    return nil
    #endif
  }()

  /// True unless a memory limit leaves less than ``bufferBytes`` for OpenBLAS's work buffer.
  ///
  /// - Complexity: O(1) (the limit is read once, at first use).
  public static var isAvailable: Bool { (headroom ?? .max) >= bufferBytes }

  /// Throws when ``isAvailable`` is false, naming `routine`.
  ///
  /// - Throws: ``LinearAlgebraError`` (info 0) explaining the memory limit.
  /// - Complexity: O(1).
  public static func require(_ routine: String) throws(LinearAlgebraError) {
    guard !isAvailable else { return }
    throw LinearAlgebraError(
      routine: routine, info: 0,
      reason: "OpenBLAS needs about \((bufferBytes >> 20) - 32) MiB of address space for its work buffer, "
        + "and the memory limit (ulimit -v / -d) leaves \((headroom ?? 0) >> 20) MiB; raise the limit")
  }
}
