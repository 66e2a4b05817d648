/// A dense matrix of `Double` stored column-major, the layout BLAS and LAPACK expect.
///
/// Element `(i, j)` lives at `elements[i + j * rows]`. The value type is copy-on-write through its
/// array, so passing a matrix to a LAPACK routine that overwrites its input never changes the caller's.
public struct Matrix: Equatable, Sendable {
  public let rows: Int
  public let columns: Int
  /// Column-major elements, `rows * columns` of them.
  public var elements: [Double]

  /// A `rows × columns` matrix filled with `value`.
  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative, got \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.elements = Array(repeating: value, count: rows * columns)
  }

  /// A matrix over existing column-major elements.
  public init(rows: Int, columns: Int, columnMajor elements: [Double]) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative, got \(rows)×\(columns)")
    precondition(
      elements.count == rows * columns,
      "A \(rows)×\(columns) matrix needs \(rows * columns) elements, got \(elements.count)")
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  /// A matrix from rows written the way one reads them: `Matrix([[1, 2], [3, 4]])`.
  public init(_ rowValues: [[Double]]) {
    let rows = rowValues.count
    let columns = rowValues.first?.count ?? 0
    precondition(rowValues.allSatisfy { $0.count == columns }, "All rows must have \(columns) columns")
    var elements = [Double](repeating: 0, count: rows * columns)
    for i in 0..<rows {
      for j in 0..<columns { elements[i + j * rows] = rowValues[i][j] }
    }
    self.init(rows: rows, columns: columns, columnMajor: elements)
  }

  /// The `n × n` identity.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  /// A column vector (`n × 1`).
  public static func column(_ values: [Double]) -> Matrix {
    Matrix(rows: values.count, columns: 1, columnMajor: values)
  }

  public subscript(row: Int, column: Int) -> Double {
    get {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Index (\(row), \(column)) out of \(rows)×\(columns)")
      return elements[row + column * rows]
    }
    set {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Index (\(row), \(column)) out of \(rows)×\(columns)")
      elements[row + column * rows] = newValue
    }
  }

  /// Column `j` as an array.
  public func column(_ j: Int) -> [Double] {
    precondition(j >= 0 && j < columns, "Column \(j) out of \(columns)")
    return Array(elements[(j * rows)..<((j + 1) * rows)])
  }

  /// The transpose.
  public var transposed: Matrix {
    var t = Matrix(rows: columns, columns: rows)
    for j in 0..<columns {
      for i in 0..<rows { t.elements[j + i * columns] = elements[i + j * rows] }
    }
    return t
  }

  /// Rows as nested arrays, for printing and tests.
  public var rowArrays: [[Double]] {
    (0..<rows).map { i in (0..<columns).map { j in elements[i + j * rows] } }
  }
}

extension Matrix {
  /// Kronecker product `A ⊗ B`: the block matrix `[a_ij·B]` (R's `%x%`), so that
  /// `vec(B·X·Aᵀ) = (A ⊗ B)·vec(X)` for column-major `vec`.
  public static func kronecker(_ a: Matrix, _ b: Matrix) -> Matrix {
    var out = Matrix(rows: a.rows * b.rows, columns: a.columns * b.columns)
    for j in 0..<a.columns {
      for i in 0..<a.rows {
        let aij = a[i, j]
        if aij == 0 { continue }
        for l in 0..<b.columns {
          for k in 0..<b.rows { out[i * b.rows + k, j * b.columns + l] = aij * b[k, l] }
        }
      }
    }
    return out
  }

  /// Element-wise sum.
  public static func + (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.rows == b.rows && a.columns == b.columns, "Matrix sum of \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns)")
    return Matrix(rows: a.rows, columns: a.columns, columnMajor: zip(a.elements, b.elements).map { $0 + $1 })
  }

  /// Scalar multiple.
  public static func * (s: Double, a: Matrix) -> Matrix {
    Matrix(rows: a.rows, columns: a.columns, columnMajor: a.elements.map { s * $0 })
  }
}
