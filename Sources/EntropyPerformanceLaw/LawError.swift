// DeltaH — entropy change of softmax policies.

import GSLSupport
import LogitDumps

/// A bad input to the entropy–performance law, as one line naming the file, the line, the column
/// or the option and the problem.
///
/// A failure of a lower layer (the GSL fit, reading a file or a dump) is kept typed in
/// ``underlying``; ``problem`` is its one-line wording.
public struct LawError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The file (or setting, e.g. "fit fraction") concerned.
  public let source: String
  /// The 1-based line number, when the problem sits on one line.
  public let line: Int?
  /// What is wrong.
  public let problem: String
  /// The lower layer's error, when this one wraps one (nil for a problem found by the law itself).
  public let underlying: Underlying?

  /// The lower layers whose errors a ``LawError`` nests.
  public enum Underlying: Equatable, Sendable {
    /// The least-squares fit (GSL `gsl_fit_linear`) failed.
    case fit(GSLError)
    /// A log could not be read, or a dump could not be read or analysed.
    case dump(DumpError)
  }

  public init(source: String, line: Int? = nil, problem: String) {
    self.source = source
    self.line = line
    self.problem = problem
    underlying = nil
  }

  /// The fit of `source` failed: "cannot fit the law: <GSL's message>".
  public init(source: String, fit error: GSLError) {
    self.source = source
    line = nil
    problem = "cannot fit the law: \(error.message)"
    underlying = .fit(error)
  }

  /// A file or dump error, worded as the ``DumpError`` is (its file, its tensor when it names one,
  /// its problem).
  public init(_ error: DumpError) {
    source = error.file
    line = nil
    problem = error.tensor.map { "tensor '\($0)': \(error.problem)" } ?? error.problem
    underlying = .dump(error)
  }

  public var description: String {
    if let line { return "\(source):\(line): \(problem)" }
    return "\(source): \(problem)"
  }
}
