// DeltaH — entropy change of softmax policies.

/// A dense, row-major matrix of `Double`.
///
/// Small on purpose: it stores the elements and hands contiguous storage to LAPACK and BLAS
/// (DenseLinearAlgebra); this module itself links neither.
/// Element (i, j) lives at `elements[i * columns + j]`.
public struct Matrix: Equatable, Sendable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let columns: Int
  /// Row-major storage, `rows * columns` elements.
  public var elements: [Double]

  /// A matrix of the given size filled with `value`.
  ///
  /// - Complexity: O(rows · columns).
  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.elements = Array(repeating: value, count: rows * columns)
  }

  /// A matrix over existing row-major storage.
  ///
  /// - Precondition: `elements.count == rows * columns`.
  /// - Complexity: O(1).
  public init(rows: Int, columns: Int, elements: [Double]) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
    precondition(elements.count == rows * columns, "Matrix storage has \(elements.count) elements, expected \(rows * columns)")
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  /// A matrix built from an array of equally long rows.
  ///
  /// - Complexity: O(rows · columns).
  public init(_ rowArrays: [[Double]]) {
    let columns = rowArrays.first?.count ?? 0
    precondition(rowArrays.allSatisfy { $0.count == columns }, "All rows must have the same length")
    self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
  }

  /// The n×n identity.
  ///
  /// - Complexity: O(n²).
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  /// Element (i, j).
  ///
  /// - Complexity: O(1).
  @inlinable
  public subscript(row: Int, column: Int) -> Double {
    get { elements[row * columns + column] }
    set { elements[row * columns + column] = newValue }
  }

  /// Row i as an array.
  ///
  /// - Complexity: O(columns).
  public func row(_ i: Int) -> [Double] {
    Array(elements[(i * columns)..<((i + 1) * columns)])
  }

  /// The transpose Aᵀ.
  ///
  /// - Complexity: O(rows · columns).
  public var transposed: Matrix {
    var t = Matrix(rows: columns, columns: rows)
    for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
    return t
  }
}
