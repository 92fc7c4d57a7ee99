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

  public init(file: String, tensor: String? = nil, problem: String) {
    self.file = file
    self.tensor = tensor
    self.problem = problem
  }

  public var description: String {
    if let tensor { return "\(file): tensor '\(tensor)': \(problem)" }
    return "\(file): \(problem)"
  }
}

extension DumpError {
  /// An error for an operating-system call that failed with `errno`.
  static func system(_ file: String, _ what: String, errno code: Int32) -> DumpError {
    DumpError(file: file, problem: "\(what) failed: \(_errorString(code)) (errno \(code))")
  }
}
