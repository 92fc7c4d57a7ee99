// DeltaH — entropy change of softmax policies.

/// A bad input to the entropy–performance law, as one line naming the file, the line, the column
/// or the option and the problem.
public struct LawError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The file (or option) concerned.
  public let source: String
  /// The 1-based line number, when the problem sits on one line.
  public let line: Int?
  /// What is wrong.
  public let problem: String

  public init(source: String, line: Int? = nil, problem: String) {
    self.source = source
    self.line = line
    self.problem = problem
  }

  public var description: String {
    if let line { return "\(source):\(line): \(problem)" }
    return "\(source): \(problem)"
  }
}
