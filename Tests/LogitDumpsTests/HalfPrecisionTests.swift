// DeltaH — entropy change of softmax policies.

import Testing

@testable import LogitDumps

@Suite struct HalfPrecisionTests {
  @Test func binary16SpecialValues() {
    #expect(HalfPrecision.float(fromFloat16Bits: 0x0000) == 0)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x8000).sign == .minus)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x8000) == 0)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x3C00) == 1)
    #expect(HalfPrecision.float(fromFloat16Bits: 0xC000) == -2)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x7BFF) == 65504)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x0400) == 0x1p-14)  // smallest normal
    #expect(HalfPrecision.float(fromFloat16Bits: 0x0001) == 0x1p-24)  // smallest subnormal
    #expect(HalfPrecision.float(fromFloat16Bits: 0x03FF) == 1023 * 0x1p-24)  // largest subnormal
    #expect(HalfPrecision.float(fromFloat16Bits: 0x8001) == -0x1p-24)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x7C00) == .infinity)
    #expect(HalfPrecision.float(fromFloat16Bits: 0xFC00) == -.infinity)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x7E00).isNaN)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x7C01).isNaN)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x3555) == Float(0x155 + 1024) * 0x1p-12)  // ≈ 1/3
  }

  /// Every bit pattern against the definition value = (−1)^s · 2^(e−15) · (1 + m/1024)
  /// (normals) or (−1)^s · 2^−14 · m/1024 (subnormals), evaluated in Double.
  @Test func binary16AllPatternsMatchTheDefinition() {
    for bits in 0...0xFFFF {
      let s = (bits >> 15) & 1, e = (bits >> 10) & 0x1F, m = bits & 0x3FF
      let got = HalfPrecision.float(fromFloat16Bits: UInt16(bits))
      let sign: Double = s == 1 ? -1 : 1
      if e == 31 {
        #expect(m == 0 ? got == Float(sign * .infinity) : got.isNaN)
      } else {
        let value = e == 0 ? sign * Double(m) * 0x1p-24 : sign * (1 + Double(m) / 1024) * Double(sign: .plus, exponent: e - 15, significand: 1)
        if Double(got) != value || got.sign != (s == 1 ? .minus : .plus) {
          Issue.record("pattern 0x\(String(bits, radix: 16)): \(got) ≠ \(value)")
          return
        }
      }
    }
  }

  @Test func bfloat16IsTheTopHalf() {
    for f: Float in [1, -2.5, 3.140625, .infinity, -.infinity, 0x1p-126, 1e30] {
      let bits = UInt16(f.bitPattern >> 16)
      #expect(HalfPrecision.float(fromBFloat16Bits: bits).bitPattern == f.bitPattern & 0xFFFF_0000)
    }
    #expect(HalfPrecision.float(fromBFloat16Bits: 0x7FC0).isNaN)
  }
}
