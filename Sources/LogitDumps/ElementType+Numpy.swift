// DeltaH — entropy change of softmax policies.

extension ElementType {
  /// The element type for a NumPy `descr` string such as `'<f4'`, or a reason it is not accepted.
  ///
  /// Accepted: `f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1` with byte order `<` (little), `=` (native,
  /// which is little on every platform this package supports) or `|` (not applicable). For
  /// one-byte types every byte-order character is accepted. Big-endian (`>`) multi-byte types are
  /// **rejected** rather than byte-swapped, so every accepted tensor can be viewed zero-copy.
  ///
  /// `'<V2'` / `'|V2'` (two-byte void records) are read as **BF16**: that is how `ml_dtypes`
  /// bfloat16 arrays come out of `np.save`, and no other 2-byte void type appears in training
  /// exports.
  ///
  /// Object arrays (`'|O'`, a pickled payload) and every other type (strings, datetimes,
  /// complex, larger voids) are rejected.
  ///
  /// - Complexity: O(1).
  static func fromNumpyDescr(_ descr: String) -> Result<ElementType, DescrProblem> {
    let scalars = Array(descr.unicodeScalars)
    guard scalars.count >= 2 else { return .failure(.unsupported(descr)) }
    let order = scalars[0]
    let code = String(String.UnicodeScalarView(scalars[1...]))
    guard "<>=|".unicodeScalars.contains(order) else {
      return .failure(.unsupported(descr))
    }
    let type: ElementType
    switch code {
    case "f2": type = .f16
    case "f4": type = .f32
    case "f8": type = .f64
    case "i1": type = .i8
    case "i2": type = .i16
    case "i4": type = .i32
    case "i8": type = .i64
    case "u1": type = .u8
    case "u2": type = .u16
    case "u4": type = .u32
    case "u8": type = .u64
    case "b1": type = .bool
    case "V2": type = .bf16
    case "O": return .failure(.object)
    default: return .failure(.unsupported(descr))
    }
    if type.byteWidth > 1 && order == ">" { return .failure(.bigEndian(descr)) }
    if type.byteWidth > 1 && order == "|" && code != "V2" { return .failure(.unsupported(descr)) }
    return .success(type)
  }

  /// Why a NumPy `descr` was refused.
  enum DescrProblem: Error {
    case object
    case bigEndian(String)
    case unsupported(String)

    var message: String {
      switch self {
      case .object:
        "object dtype '|O' (a pickled payload) is not supported; save a numeric array"
      case .bigEndian(let d):
        "big-endian dtype '\(d)' is not supported; save little-endian (e.g. arr.astype('<f4'))"
      case .unsupported(let d):
        "unsupported dtype '\(d)'"
      }
    }
  }
}
