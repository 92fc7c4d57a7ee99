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
/// - Returns: `true` if OpenBLAS's pool was stopped.
/// - Complexity: O(BLAS threads).
@discardableResult
public func stopIdleBLASThreads() -> Bool {
  #if canImport(Glibc)
  guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else {
    return false
  }
  let shutdown = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
  return shutdown() == 0
  #else
  return false
  #endif
}
