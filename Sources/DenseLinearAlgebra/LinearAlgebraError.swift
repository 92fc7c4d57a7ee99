// DeltaH — entropy change of softmax policies.

/// A failure reported by a LAPACK routine.
public struct LinearAlgebraError: Error, Equatable, CustomStringConvertible {
  /// The LAPACK routine that failed (for example `dsyevd`).
  public let routine: String
  /// LAPACK's `info` value: negative for an illegal argument, positive for a numerical failure.
  public let info: Int32
  /// What the failure means for this routine.
  public let reason: String

  public init(routine: String, info: Int32, reason: String) {
    self.routine = routine
    self.info = info
    self.reason = reason
  }

  public var description: String { "LAPACK \(routine) failed (info = \(info)): \(reason)" }
}
