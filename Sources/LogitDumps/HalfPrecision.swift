// DeltaH — entropy change of softmax policies.

/// Conversions from the two 16-bit float formats found in logit dumps to `Float`.
///
/// Both are exact: every BF16 and every binary16 value is representable as a binary32.
/// Written by hand (not via Swift `Float16`, which is unavailable on some platforms).
public enum HalfPrecision {
  /// The `Float` whose top 16 bits are `bits` (BF16 → F32 is a shift).
  ///
  /// - Complexity: O(1).
  @inlinable @inline(__always)
  public static func float(fromBFloat16Bits bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }

  /// The value of an IEEE 754 binary16 bit pattern as a `Float`.
  ///
  /// Handles ±0, subnormals (value = mantissa · 2⁻²⁴), normals, ±Inf and NaN (the payload is
  /// kept in the top mantissa bits, quiet bit set as stored).
  ///
  /// - Complexity: O(1).
  @inlinable
  public static func float(fromFloat16Bits bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits) & 0x3FF
    if exponent == 0x1F {
      // Inf (mantissa 0) or NaN.
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    if exponent == 0 {
      if mantissa == 0 { return Float(bitPattern: sign) }
      // Subnormal: exactly mantissa × 2^-24 (exact in binary32).
      let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
      return sign == 0 ? magnitude : -magnitude
    }
    // Normal: rebias 15 → 127.
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
  }
}
