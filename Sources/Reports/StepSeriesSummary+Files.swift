// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import FoundationEssentials
import LogitDumps

extension StepSeriesSummary {
  /// The step series of per-dump summary files (`deltah analyze DUMP --json`, `deltah merge
  /// --json`, kind `analyze`), read in the order given and then put in step order with the
  /// series warnings, exactly as `deltah analyze DUMP_1 … DUMP_k` orders and checks its dumps
  /// (``init(ordering:)``). Non-finite numbers may be the strings "inf", "-inf", "nan".
  ///
  /// - Throws: ``DumpError`` when a file is not a readable regular file of at most
  ///   ``InputFile/maximumBytes``; ``ReportError`` naming the file when it is not the summary of one
  ///   dump (another kind, no kind, or keys that do not decode).
  /// - Complexity: O(total size of the files) plus O(n log n) to order n summaries.
  public init(summaryFiles paths: [String]) throws {
    var summaries: [DumpSummary] = []
    for path in paths {
      summaries.append(try Self.summary(Data(try InputFile.contents(of: path)), source: path))  // no FIFO blocks
    }
    self.init(ordering: summaries)
  }

  /// One dump's summary from the JSON envelope `data` of kind `analyze`.
  ///
  /// - Throws: ``ReportError`` naming `source`.
  /// - Complexity: O(size of the file).
  static func summary(_ data: Data, source: String) throws(ReportError) -> DumpSummary {
    struct Envelope: Decodable { let kind: String? }
    let kind = (try? JSONDecoder().decode(Envelope.self, from: data))?.kind
    guard kind == DeltaHResultKind.analyze.rawValue else {
      throw ReportError("\(source): not the summary of one dump (its kind is \(kind.map { "'\($0)'" } ?? "missing"); expected 'analyze' from deltah analyze DUMP --json or deltah merge --json)")
    }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do {
      return try decoder.decode(DumpSummary.self, from: data)
    } catch {
      throw ReportError("\(source): not the summary of one dump (deltah analyze DUMP --json or deltah merge --json): \(decodingProblem(error))", underlying: .decoding(error))
    }
  }
}
