// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy
import Testing
import _TestSupport

/// The checkable values of docs/theory.md#checkable-derivatives and #expected-reward (numpy, float64).
/// Tolerance 1e-9 absolute: docs/theory.md prints 10 significant digits.
@Suite("Spec values, z = [2, 1, 0, -1]")
struct SpecValueTests {
  let z = [2.0, 1, 0, -1]
  let v = [1.0, -1, 0.5, 0]
  let r = [1.0, 0, 0, 0]
  let tolerance = 1e-9

  @Test func policyAndEntropy() throws {
    let p = try SoftmaxPolicy(logits: z)
    #expect(maxAbsoluteDifference(p.probabilities, [0.6439142599, 0.2368828181, 0.0871443187, 0.0320586033]) < tolerance)
    #expect(maxAbsoluteDifference(p.logProbabilities, [-0.4401896986, -1.4401896986, -2.4401896986, -3.4401896986]) < tolerance)
    #expect(abs(p.entropy - 0.9475369639754256) < 1e-15)
    #expect(maxAbsoluteDifference(p.entropyGradient, [-0.3266881389, 0.1167009681, 0.1300762057, 0.0799109651]) < tolerance)
  }

  @Test func entropyHessianAndProduct() throws {
    let p = try SoftmaxPolicy(logits: z)
    let h = p.entropyHessian()
    let expected: [[Double]] = [
      [-0.1352585223, 0.1547736140, 0.0008245611, -0.0203396527],
      [0.1547736140, -0.1193572889, -0.0203396527, -0.0150766724],
      [0.0008245611, -0.0203396527, 0.0278552146, -0.0083401229],
      [-0.0203396527, -0.0150766724, -0.0083401229, 0.0437564480],
    ]
    for i in 0..<4 { #expect(maxAbsoluteDifference(h.row(i), expected[i]) < tolerance) }
    #expect(maxAbsoluteDifference(p.entropyHessianVectorProduct(v), [-0.2896198558, 0.2639610765, 0.0350918211, -0.0094330418]) < tolerance)
  }

  @Test func expectedRewardAndFisher() throws {
    let p = try SoftmaxPolicy(logits: z)
    #expect(abs(try p.expectedReward(r) - 0.6439142599) < tolerance)
    #expect(maxAbsoluteDifference(try p.expectedRewardGradient(r), [0.2292886858, -0.1525322245, -0.0561134695, -0.0206429918]) < tolerance)
    #expect(maxAbsoluteDifference(try p.expectedRewardHessianVectorProduct(r, v), [-0.1018234190, 0.1374631393, -0.0336003414, -0.0020393789]) < tolerance)
    #expect(maxAbsoluteDifference(p.fisherVectorProduct(v), [0.3537641755, -0.3436230690, 0.0043046155, -0.0144457221]) < tolerance)
  }

  @Test(arguments: [(0.8, 0.7988394392, 0.8857805726), (1.0, 0.9475369640, 0.6165862749), (1.2, 1.0511252430, 0.4315315325)])
  func temperature(t: Double, entropy: Double, derivative: Double) throws {
    let p = try SoftmaxPolicy(logits: z, temperature: t)
    #expect(abs(p.entropy - entropy) < tolerance)
    #expect(abs(p.entropyTemperatureDerivative - derivative) < tolerance)
  }

  @Test func discriminator() throws {
    let p = try SoftmaxPolicy(logits: z)
    #expect(maxAbsoluteDifference(p.entropyDiscriminator, [0.3266881389, -0.1167009681, -0.1300762057, -0.0799109651]) < tolerance)
    #expect(abs(p.expectedEntropyDiscriminator - 0.1688174607) < tolerance)
  }
}
