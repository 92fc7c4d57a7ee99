// DeltaH — entropy change of softmax policies.

import _LogitKernelsC

/// The encoding of one logit in a recorded row.
///
/// Rows are read as raw little-endian bytes and may start at any address (loads are unaligned).
public enum LogitElementType: Sendable, Hashable, CaseIterable {
  /// IEEE binary32.
  case float32
  /// bfloat16: the upper 16 bits of a binary32 (value = bits << 16 reinterpreted as Float).
  case bfloat16
  /// IEEE binary16 (half precision).
  case float16
  /// IEEE binary64.
  case float64

  /// Bytes per element: 4, 2, 2, 8.
  ///
  /// - Complexity: O(1).
  public var byteWidth: Int {
    switch self {
    case .float32: 4
    case .bfloat16, .float16: 2
    case .float64: 8
    }
  }

  /// The C-side code (LK_FLOAT32 …).
  var code: Int32 {
    switch self {
    case .float32: Int32(LK_FLOAT32)
    case .bfloat16: Int32(LK_BFLOAT16)
    case .float16: Int32(LK_FLOAT16)
    case .float64: Int32(LK_FLOAT64)
    }
  }
}
