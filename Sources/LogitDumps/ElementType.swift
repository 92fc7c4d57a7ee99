// DeltaH — entropy change of softmax policies.

/// The element type of a stored tensor, named as in safetensors.
///
/// All multi-byte types are little-endian in storage. `bf16` is the top half of an IEEE binary32
/// (1 sign, 8 exponent, 7 mantissa bits); `f16` is IEEE binary16 (1/5/10, bias 15). `bool` is
/// one byte per element, nonzero meaning true.
public enum ElementType: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
  case f32 = "F32"
  case f64 = "F64"
  case bf16 = "BF16"
  case f16 = "F16"
  case i64 = "I64"
  case i32 = "I32"
  case i16 = "I16"
  case i8 = "I8"
  case u8 = "U8"
  case u16 = "U16"
  case u32 = "U32"
  case u64 = "U64"
  case bool = "BOOL"

  /// The safetensors dtype string (`"F32"`, `"BF16"`, …).
  ///
  /// - Complexity: O(1).
  public var safetensorsName: String { rawValue }

  public var description: String { rawValue }

  /// Bytes per element.
  ///
  /// - Complexity: O(1).
  public var byteWidth: Int {
    switch self {
    case .f64, .i64, .u64: 8
    case .f32, .i32, .u32: 4
    case .bf16, .f16, .i16, .u16: 2
    case .i8, .u8, .bool: 1
    }
  }

  /// True for F32, F64, BF16 and F16.
  ///
  /// - Complexity: O(1).
  public var isFloatingPoint: Bool {
    switch self {
    case .f32, .f64, .bf16, .f16: true
    default: false
    }
  }

  /// True for the signed and unsigned integer types (not BOOL).
  ///
  /// - Complexity: O(1).
  public var isInteger: Bool {
    switch self {
    case .i64, .i32, .i16, .i8, .u8, .u16, .u32, .u64: true
    default: false
    }
  }

  /// safetensors dtypes that exist but that this reader does not decode.
  static let unsupportedSafetensorsNames: Set<String> = [
    "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "C64", "F4", "F6_E2M3",
    "F6_E3M2",
  ]
}
