// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

@Suite("deltah law --bootstrap checked while parsing")
final class LawBootstrapDomainCommandTests {
  let scratch = ScratchFolder("law-bootstrap-domain")

  /// `law LOG --bootstrap 1` was accepted by the parser, read the log, and always failed with exit 1
  /// ("only 1 of 1 bootstrap resamples could be fitted"): an interval needs two fitted resamples.
  /// Now refused while parsing, naming --bootstrap (exit 64).
  @Test func oneResampleIsRefusedNamingTheFlag() throws {
    let log = try scratch.file("log.csv", "step,entropy,reward\n1,1.0,0.1\n2,0.8,0.3\n3,0.6,0.4\n4,0.5,0.5\n5,0.4,0.55\n")
    let r = try runDeltaH(["law", log, "--bootstrap", "1"])
    let lines = r.standardError.split(separator: "\n")
    #expect(r.status == 64, "\(r.standardError)")
    #expect(lines.count == 1 && lines[0].contains("'1' is invalid for '--bootstrap <bootstrap>': out of range: 2 … 1000000"), "\(r.standardError)")
    #expect(try runDeltaH(["law", log, "--bootstrap", "2"]).status == 0)
  }
}
