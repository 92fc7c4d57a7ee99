// DeltaH — entropy change of softmax policies.

/// What a stored tensor is: its name, element type and shape.
///
/// Storage is always C order (row-major), densely packed, little-endian: element
/// `(i0, …, i_{r−1})` lives at byte `((i0·d1 + i1)·d2 + …)·byteWidth`. A shape of `[]` is a
/// scalar (one element); a zero anywhere in the shape means no elements and no bytes.
public struct TensorDescriptor: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// The tensor's name as stored in the file (for `.npy`/`.npz`, the member or file stem).
  public let name: String
  /// The element type.
  public let elementType: ElementType
  /// The shape, outermost axis first.
  public let shape: [Int]
  /// ∏ shape (1 for a scalar).
  public let elementCount: Int
  /// `elementCount × elementType.byteWidth`.
  public let byteCount: Int

  /// Builds a descriptor, or returns `nil` when a dimension is negative or the byte count
  /// overflows `Int`.
  ///
  /// - Complexity: O(rank).
  public init?(name: String, elementType: ElementType, shape: [Int]) {
    var count = 1
    for d in shape {
      guard d >= 0 else { return nil }
      let (p, overflow) = count.multipliedReportingOverflow(by: d)
      guard !overflow else { return nil }
      count = p
    }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: elementType.byteWidth)
    guard !overflow else { return nil }
    self.name = name
    self.elementType = elementType
    self.shape = shape
    self.elementCount = count
    self.byteCount = bytes
  }

  /// Number of axes.
  ///
  /// - Complexity: O(1).
  public var rank: Int { shape.count }

  public var description: String { "'\(name)' \(elementType) \(shape)" }
}
