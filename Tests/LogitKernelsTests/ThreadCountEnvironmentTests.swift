// DeltaH — entropy change of softmax policies.

import Foundation
import LogitKernels
import Testing

/// `DELTAH_THREADS` caps the default worker count (schedulers such as Ray grant CPUs without
/// pinning the process to them). The variable is set and restored inside one test; other tests
/// that run meanwhile may briefly use a different worker count, which never changes a result.
@Suite("DELTAH_THREADS", .serialized)
struct ThreadCountEnvironmentTests {
  @Test("a decimal 1…4096 sets the worker count; anything else falls back to the CPUs")
  func environmentOverride() {
    let saved = ProcessInfo.processInfo.environment["DELTAH_THREADS"]
    defer {
      if let saved { setenv("DELTAH_THREADS", saved, 1) } else { unsetenv("DELTAH_THREADS") }
    }
    unsetenv("DELTAH_THREADS")
    let cpus = activeProcessorCount
    #expect(cpus >= 1)
    setenv("DELTAH_THREADS", "3", 1)
    #expect(activeProcessorCount == 3)
    setenv("DELTAH_THREADS", "4096", 1)
    #expect(activeProcessorCount == 4096)
    for ignored in ["0", "4097", "-2", "2x", " 2", "", "99999999999999999999"] {
      setenv("DELTAH_THREADS", ignored, 1)
      #expect(activeProcessorCount == cpus, "DELTAH_THREADS='\(ignored)' must be ignored")
    }
  }
}
