// DeltaH — entropy change of softmax policies.

/// A tensor in an opened file: its ``TensorDescriptor`` plus access to its bytes.
///
/// ## Rows
///
/// Data is read in **rows**: the tensor is viewed as a `rowCount × rowLength` matrix, where a row
/// is the last ``innerAxisCount`` axes and the rows run over the remaining leading axes. By
/// default `innerAxisCount` is 1 for tensors of rank ≥ 2 (a row of `[B, T, V]` logits is one
/// position's V logits; `rowCount = B·T`) and 0 for rank ≤ 1 (each element is a row). Use
/// ``regrouped(innerAxisCount:)`` to change the grouping; ``LogitDump`` hands out per-position
/// tensors with one row per position.
///
/// ## Storage
///
/// * **Mapped** (safetensors, `.npy`, STORED `.npz` members): bytes are viewed in place, zero-copy.
///   ``withRows(_:_:)`` gives random access and ``forEachRowChunk(rowsPerChunk:_:)`` streams.
/// * **Deflated** (`np.savez_compressed` members): only sequential access through
///   ``forEachRowChunk(rowsPerChunk:_:)``, which inflates into one reusable buffer so memory stays
///   at one chunk however large the member is.
///
/// Byte views are little-endian, packed, and **not necessarily aligned** for the element type
/// (safetensors and `.npy` data can start at any offset): load elements with
/// `UnsafeRawBufferPointer.loadUnaligned(fromByteOffset:as:)`, or convert through
/// ``ElementType/loadFloats(from:into:)``. Views are valid only inside the closure they are
/// passed to.
public struct Tensor: Sendable, CustomStringConvertible {
  /// Name, element type and shape.
  public let descriptor: TensorDescriptor
  /// How many trailing axes form one row (0…rank).
  public let innerAxisCount: Int
  /// Number of rows: the product of the leading `rank − innerAxisCount` axes (1 for none).
  public let rowCount: Int
  /// Elements per row: the product of the trailing `innerAxisCount` axes (1 for none).
  public let rowLength: Int
  /// The file this tensor came from (used in errors).
  public let file: String
  let storage: _TensorStorage

  init(descriptor: TensorDescriptor, file: String, storage: _TensorStorage) {
    self.init(
      descriptor: descriptor, innerAxisCount: descriptor.rank >= 2 ? 1 : 0, file: file,
      storage: storage)
  }

  private init(
    descriptor: TensorDescriptor, innerAxisCount: Int, file: String, storage: _TensorStorage
  ) {
    self.descriptor = descriptor
    self.innerAxisCount = innerAxisCount
    let split = descriptor.rank - innerAxisCount
    // Sub-products of a shape whose full product did not overflow cannot overflow, unless the
    // full product is 0; compute them with overflow checks anyway and saturate (only reachable
    // for empty tensors, where rows are never touched).
    func product(_ dims: ArraySlice<Int>) -> Int {
      var p = 1
      for d in dims {
        let (r, o) = p.multipliedReportingOverflow(by: d)
        p = o ? Int.max : r
      }
      return p
    }
    self.rowCount = product(descriptor.shape[..<split])
    self.rowLength = product(descriptor.shape[split...])
    self.file = file
    self.storage = storage
  }

  /// The tensor's name as stored.
  ///
  /// - Complexity: O(1).
  public var name: String { descriptor.name }
  /// The element type.
  ///
  /// - Complexity: O(1).
  public var elementType: ElementType { descriptor.elementType }
  /// The shape.
  ///
  /// - Complexity: O(1) (the array is shared, not copied).
  public var shape: [Int] { descriptor.shape }
  /// Bytes per row: `rowLength × elementType.byteWidth`.
  ///
  /// - Complexity: O(1).
  public var rowByteCount: Int { rowLength &* elementType.byteWidth }

  /// True when the bytes are mapped in place (random access available); false for DEFLATE
  /// members, which can only be streamed.
  ///
  /// - Complexity: O(1).
  public var isMapped: Bool {
    if case .mapped = storage { return true }
    return false
  }

  /// The same tensor with rows made of the last `innerAxisCount` axes.
  ///
  /// - Precondition: `0 <= innerAxisCount <= rank`.
  /// - Complexity: O(rank).
  public func regrouped(innerAxisCount: Int) -> Tensor {
    precondition(
      innerAxisCount >= 0 && innerAxisCount <= descriptor.rank,
      "innerAxisCount \(innerAxisCount) outside 0...\(descriptor.rank)")
    return Tensor(descriptor: descriptor, innerAxisCount: innerAxisCount, file: file, storage: storage)
  }

  public var description: String {
    "\(descriptor) (\(rowCount) rows × \(rowLength), \(isMapped ? "mapped" : "deflated"))"
  }

  func error(_ problem: String) -> DumpError {
    DumpError(file: file, tensor: name, problem: problem)
  }
}
