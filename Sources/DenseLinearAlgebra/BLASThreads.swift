// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif

/// Stops OpenBLAS's idle worker threads.
///
/// The pthreads build of OpenBLAS starts one worker per core when the library is loaded, and an
/// idle worker spins on `sched_yield` for about 2²⁸ cycles (≈ 0.1 s) before it sleeps. In a
/// short-lived command every core therefore loses about 0.1 s to spinning, right while DeltaH's
/// own row workers stream a dump (measured: 0.11 s of CPU in an otherwise idle process).
/// `openblas_set_num_threads(1)` does not stop the spinning; OpenBLAS's `blas_thread_shutdown_`
/// does, and OpenBLAS starts the pool again by itself the next time a call is large enough to
/// use threads. The symbol is looked up at run time, so other BLAS builds (OpenMP OpenBLAS,
/// reference BLAS) are left alone.
///
/// Under an address-space or data limit (`ulimit -v`, `ulimit -d`) a worker that OpenBLAS started
/// at load time can be stuck for ever allocating its buffers, and both `blas_thread_shutdown_` and
/// OpenBLAS's own exit-time destructor join it: every command (`deltah --version` included) would
/// hang. There the process starts itself again (`execv` of `/proc/self/exe`, once) with
/// `OPENBLAS_NUM_THREADS=1`, so that no worker is started; if that fails, the pool is left alone,
/// OpenBLAS is told to compute on the calling thread, and the process ends without running library
/// destructors (an `on_exit` handler flushes the C streams and calls `_exit` with the exit status;
/// installed in either case). See also ``BLASWorkspace``.
///
/// - Precondition: no other thread is inside a BLAS or LAPACK call (a threaded call in flight is
///   corrupted when its pool stops); call it once at start-up, as `deltah` does.
/// - Returns: `true` if OpenBLAS's pool was stopped.
/// - Complexity: O(BLAS threads).
@discardableResult
public func stopIdleBLASThreads() -> Bool {
  #if canImport(Glibc)
  if memoryIsLimited() {
    // OpenBLAS read OPENBLAS_NUM_THREADS when it was loaded; its worker is already stuck retrying
    // its allocation (burning a core). Start again with one thread, once.
    if getenv("OPENBLAS_NUM_THREADS") == nil, let argv = CommandLine.unsafeArgv as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
      setenv("OPENBLAS_NUM_THREADS", "1", 1)
      execv("/proc/self/exe", argv)
      // execv returned: carry on in this process.
    }
    on_exit({ status, _ in
      fflush(nil)
      _exit(status)
    }, nil)
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "openblas_set_num_threads") {
      unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Void).self)(1)
    }
    return false
  }
  guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else {
    return false
  }
  let shutdown = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
  return shutdown() == 0
  #else
  return false
  #endif
}

#if canImport(Glibc)
/// True when the process runs under a finite address-space (`RLIMIT_AS`) or data (`RLIMIT_DATA`)
/// limit.
private func memoryIsLimited() -> Bool {
  for resource in [RLIMIT_AS, RLIMIT_DATA] {
    var limit = rlimit()
    if getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0 && limit.rlim_cur != rlim_t.max {
      return true
    }
  }
  return false
}
#endif
