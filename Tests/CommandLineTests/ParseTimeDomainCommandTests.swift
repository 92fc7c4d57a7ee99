// DeltaH — entropy change of softmax policies.

import Foundation
import Testing
import _TestSupport

/// `law`, `curvature` and `cliff` refuse a value outside its domain while parsing
/// (`@Option(transform: CheckedArgument.…)`), in one line naming the flag and the value, exit 64,
/// before anything is read or computed.
@Suite("deltah law/curvature/cliff parse-time domain checks")
struct ParseTimeDomainCommandTests {
  static func step(_ i: Int) -> String { TrustworthyAnswersCommandTests.step(i) }

  @Test(arguments: [
    (["law", "-", "--fit-fraction", "1"], "'1' is invalid for '--fit-fraction <fit-fraction>': must be in (0, 1)"),
    (["law", "-", "--fit-fraction", "nan"], "'nan' is invalid for '--fit-fraction <fit-fraction>': must be a finite number"),
    (["law", "-", "--bootstrap", "0"], "'0' is invalid for '--bootstrap <bootstrap>': out of range: 2 … 1000000"),
    (["law", "-", "--bootstrap", "9223372036854775807"], "'9223372036854775807' is invalid for '--bootstrap <bootstrap>': out of range"),
    (["law", "a.safetensors", "--rewards", "r.csv", "--temperature", "0"], "'0' is invalid for '--temperature <temperature>': must be a finite number > 0"),
    (["curvature", "--logits", "1,2,3", "--top", "0"], "'0' is invalid for '--top <top>': must be at least 1"),
    (["curvature", "--logits", "1,2,3", "--temperature", "-1"], "'-1' is invalid for '--temperature <temperature>': must be a finite number > 0"),
    (["curvature", TrustworthyAnswersCommandTests.step(1), "--positions", "7,1.5"], "'7,1.5' is invalid for '--positions <positions>': 1.5 is not a non-negative integer position index"),
    (["curvature", TrustworthyAnswersCommandTests.step(1), "--positions", "7,x"], "'7,x' is invalid for '--positions <positions>': 'x' is not a number"),
    (["cliff", "--rewards", "1,0", "--alpha", "0"], "'0' is invalid for '--alpha <alpha>': must be a finite number > 0"),
    (["cliff", "--rewards", "1,0", "--alpha", "1", "--gamma", "1"], "'1' is invalid for '--gamma <gamma>': must be in [0, 1)"),
    (["cliff", "--rewards", "1,0", "--alpha", "1", "--tolerance", "-1"], "'-1' is invalid for '--tolerance <tolerance>': must be a finite number ≥ 0"),
  ])
  func outOfDomainValueIsRefusedInOneLine(arguments: [String], message: String) throws {
    let r = try runDeltaH(arguments)
    #expect(r.isUsageError(naming: message), "\(arguments): status \(r.status), \(r.standardError)")
  }

  /// A position written with an integral value is still a position (as before the parse-time
  /// check): `7.0` reads row 7.
  @Test func integralPositionIsAccepted() throws {
    let a = try runDeltaH(["curvature", Self.step(1), "--positions", "7.0", "--top", "2", "--json"])
    let b = try runDeltaH(["curvature", Self.step(1), "--positions", "7", "--top", "2", "--json"])
    #expect(a.status == 0 && a.standardOutput == b.standardOutput)
  }

  /// The defaults hidden by the transforms are written into the help.
  @Test func helpShowsTheDefaults() throws {
    #expect(try runDeltaH(["law", "--help"]).standardOutput.contains("(default: 2000)"))
    #expect(try runDeltaH(["curvature", "--help"]).standardOutput.contains("(default: 5)"))
    #expect(try runDeltaH(["cliff", "--help"]).standardOutput.contains("(default: 0)"))
  }
}
