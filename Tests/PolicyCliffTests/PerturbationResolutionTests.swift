// DeltaH — entropy change of softmax policies.

import PolicyCliff
import RealModule
import Testing

/// The perturbation curve added +ε to the runner-up of Q itself: at a tie at 1e17 (spacing of
/// Doubles 16) every ε ∈ [1e-4, 1] was absorbed, so the curve (and `report` of `cliff --json`)
/// showed greedy, uniform and soft jumps of 0, the opposite of the cliff. The experiment now runs
/// on Q − max Q, where the policies are the same and ε is resolved.
@Suite("Policy cliff curve: perturbations are not absorbed by large values")
struct PerturbationResolutionTests {
  /// Two tied actions: the greedy policy jumps by 1, the uniform one by ½, the soft one by
  /// ½·tanh(ε/(2α)) exactly. Tolerance 1e-12 absolute on the soft jump: π is formed from ε/α with a
  /// few roundings of 1e-16 each.
  @Test(arguments: [1.0, 1e17, -1e17, 1e300])
  func aTieAtAnyScaleFallsOffTheCliff(level: Double) throws {
    let curve = try PolicyCliffCurve(values: [level, level], alpha: 1, count: 5)
    #expect(curve.greedy.allSatisfy { $0 == 1 }, "\(curve.greedy)")
    #expect(curve.uniformArgmax.allSatisfy { $0 == 0.5 }, "\(curve.uniformArgmax)")
    for (e, soft) in zip(curve.epsilons, curve.soft) {
      #expect(abs(soft - 0.5 * Double.tanh(e / 2)) <= 1e-12, "ε = \(e): \(soft)")
    }
  }

  /// The curve of Q and of Q + c agree (shift invariance), here to the last bit since Q − max Q is
  /// the same vector for both.
  @Test func aCommonShiftDoesNotChangeTheCurve() throws {
    let a = try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1)
    let b = try PolicyCliffCurve(values: [1e17 + 16, 1e17 + 16, 1e17], alpha: 0.1)
    #expect(a.greedy == b.greedy && a.uniformArgmax == b.uniformArgmax)
    // [1, 1, 0] − 1 = [0, 0, −1]; [1e17+16, …] − max = [0, 0, −16]: different gaps, so compare
    // a case with the same gaps.
    let c = try PolicyCliffCurve(values: [1e17 + 16, 1e17 + 16, 1e17], alpha: 1.6)
    let d = try PolicyCliffCurve(values: [16, 16, 0], alpha: 1.6)
    #expect(c.soft == d.soft && c.greedy == d.greedy && c.uniformArgmax == d.uniformArgmax)
  }
}
