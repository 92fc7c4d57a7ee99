// DeltaH — entropy change of softmax policies.

import CGSL

/// A failure reported by a GSL routine, with GSL's status code and message.
public struct GSLError: Error, Equatable, CustomStringConvertible {
  /// GSL's status code (`GSL_EINVAL`, `GSL_EMAXITER`, …).
  public let status: Int32
  /// What failed, in words.
  public let message: String

  public init(status: Int32, message: String) {
    self.status = status
    self.message = message
  }

  public var description: String {
    let reason = String(cString: gsl_strerror(status))
    return "GSL error \(status) (\(reason)): \(message)"
  }
}

/// GSL's default error handler aborts the process. DeltaH turns it off once, before the first GSL
/// call, so that every failure comes back as a status code and then as a thrown `GSLError`.
enum GSLErrorHandling {
  /// Evaluated once, thread-safely (Swift global initialisers run under `swift_once`).
  static let handlerTurnedOff: Void = {
    _ = gsl_set_error_handler_off()
  }()

  @inline(__always)
  static func ensureTurnedOff() { _ = handlerTurnedOff }
}
