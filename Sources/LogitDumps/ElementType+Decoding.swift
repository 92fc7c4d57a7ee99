// DeltaH — entropy change of softmax policies.

extension ElementType {
  /// Converts packed little-endian floating-point elements to `Float`.
  ///
  /// `bytes` may be unaligned. F64 values are rounded to the nearest `Float`; BF16 and F16 convert
  /// exactly (see ``HalfPrecision``).
  ///
  /// - Precondition: `self` is floating point and `bytes.count == out.count × byteWidth`.
  /// - Complexity: O(out.count).
  public func loadFloats(from bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Float>) {
    precondition(isFloatingPoint, "loadFloats needs a floating-point element type, not \(self)")
    precondition(bytes.count == out.count * byteWidth, "byte count does not match element count")
    switch self {
    case .f32:
      for i in 0..<out.count { out[i] = bytes.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
    case .f64:
      for i in 0..<out.count {
        out[i] = Float(bytes.loadUnaligned(fromByteOffset: 8 * i, as: Double.self))
      }
    case .bf16:
      for i in 0..<out.count {
        out[i] = HalfPrecision.float(
          fromBFloat16Bits: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
      }
    case .f16:
      for i in 0..<out.count {
        out[i] = HalfPrecision.float(
          fromFloat16Bits: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
      }
    default:
      preconditionFailure("unreachable")
    }
  }

  /// Element `i` of packed little-endian floating-point storage as a `Double` (exact for every
  /// float type).
  @inline(__always)
  func loadDouble(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Double {
    switch self {
    case .f32: Double(bytes.loadUnaligned(fromByteOffset: 4 * i, as: Float.self))
    case .f64: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)
    case .bf16:
      Double(HalfPrecision.float(fromBFloat16Bits: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
    case .f16:
      Double(HalfPrecision.float(fromFloat16Bits: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
    case .i64: Double(bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
    case .i32: Double(bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
    case .i16: Double(bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
    case .i8: Double(bytes.loadUnaligned(fromByteOffset: i, as: Int8.self))
    case .u8, .bool: Double(bytes[i])
    case .u16: Double(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
    case .u32: Double(bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
    case .u64: Double(bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
    }
  }

  /// Element `i` of packed little-endian integer storage as an `Int64`, or `nil` for a U64 value
  /// above `Int64.max`.
  @inline(__always)
  func loadInt64(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Int64? {
    switch self {
    case .i64: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
    case .i32: Int64(bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
    case .i16: Int64(bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
    case .i8: Int64(bytes.loadUnaligned(fromByteOffset: i, as: Int8.self))
    case .u8, .bool: Int64(bytes[i])
    case .u16: Int64(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
    case .u32: Int64(bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
    case .u64: Int64(exactly: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
    case .f32, .f64, .bf16, .f16: nil
    }
  }
}
