// DeltaH — entropy change of softmax policies.

/// A problem with a logit dump: an unreadable file, a malformed container, or a tensor that breaks
/// the dump contract.
///
/// The description names the file, the tensor (when one is involved) and the problem:
///
///     data/x.safetensors: tensor 'logits': byte count 100 does not match dtype F32 × shape [3, 10] (120 bytes)
///
/// Readers never trap on bad input; every problem with the bytes they are given is reported as a
/// `DumpError`.
public struct DumpError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
  /// The file (or folder) the problem was found in, as the caller spelled its path.
  public let file: String
  /// The tensor involved, when there is one (its name as stored in the file).
  public let tensor: String?
  /// What is wrong, in words.
  public let problem: String
  /// The error of another layer that this one reports, kept as thrown (a JSON syntax error of a
  /// header, a statistic's or an intervention's rejected argument) so that a caller can inspect
  /// it with `as?`; ``problem`` already describes it. nil when the problem was found here.
  /// Equality and hashing ignore it: two errors are equal when file, tensor and problem are.
  public let underlying: (any Error)?

  public init(file: String, tensor: String? = nil, problem: String, underlying: (any Error)? = nil) {
    self.file = file
    self.tensor = tensor
    self.problem = problem
    self.underlying = underlying
  }

  public static func == (a: DumpError, b: DumpError) -> Bool {
    a.file == b.file && a.tensor == b.tensor && a.problem == b.problem
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(file)
    hasher.combine(tensor)
    hasher.combine(problem)
  }

  public var description: String {
    if let tensor { return "\(file): tensor '\(tensor)': \(problem)" }
    return "\(file): \(problem)"
  }
}

extension DumpError {
  /// The error reporting `error` of another layer against `file` (and `tensor`): its problem is
  /// `context` followed by the error's description, and `error` is kept as ``underlying``.
  ///
  ///     DumpError(file: "run.safetensors", context: "covariance: ", nesting: softmaxError)
  ///
  /// - Complexity: O(length of the description).
  public init(file: String, tensor: String? = nil, context: String = "", nesting error: any Error) {
    self.init(file: file, tensor: tensor, problem: context + "\(error)", underlying: error)
  }

  /// An error for an operating-system call that failed with `errno`.
  static func system(_ file: String, _ what: String, errno code: Int32) -> DumpError {
    DumpError(file: file, problem: "\(what) failed: \(_errorString(code)) (errno \(code))")
  }
}
